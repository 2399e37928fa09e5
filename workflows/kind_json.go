package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
)

// A step or a trigger is one flat JSON object: its common fields (a step's
// id, type and when; a trigger's type) beside its kind's own. It is read
// and written through a struct made for its kind: the common fields, then
// the kind's settings embedded, so that encoding/json decodes it strictly,
// the document check (decode_check.go) names a wrong field by its path,
// and it is written back in the same order, byte for byte.

var (
	stepHead = []reflect.StructField{
		{Name: "ID", Type: reflect.TypeFor[string](), Tag: `json:"id"`},
		{Name: "Type", Type: reflect.TypeFor[string](), Tag: `json:"type"`},
		{Name: "When", Type: reflect.TypeFor[Condition](), Tag: `json:"when,omitzero"`},
	}
	triggerHead = []reflect.StructField{
		{Name: "Type", Type: reflect.TypeFor[string](), Tag: `json:"type"`},
	}
	shapes sync.Map // shapeKey -> reflect.Type
)

type shapeKey struct {
	step     bool
	settings reflect.Type
}

// shape is the struct a step (step) or trigger of a kind whose settings
// are of type settings (a struct) is read and written through.
func shape(step bool, settings reflect.Type) reflect.Type {
	key := shapeKey{step, settings}
	if t, ok := shapes.Load(key); ok {
		return t.(reflect.Type)
	}
	head := triggerHead
	if step {
		head = stepHead
	}
	fields := append(append([]reflect.StructField(nil), head...),
		reflect.StructField{Name: "Settings", Type: settings, Anonymous: true})
	t := reflect.StructOf(fields)
	shapes.Store(key, t)
	return t
}

// rawFields are the fields of an object no kind reads, kept in order so
// that it is written back as it came (Compile refuses its type).
type rawFields []rawField

type rawField struct {
	name  string
	value json.RawMessage
}

// MarshalJSON writes the step as one object: id, type, when, then its
// kind's fields ("<", ">" and "&" as they are, as Encode writes them).
func (s Step) MarshalJSON() ([]byte, error) {
	if s.Settings == nil {
		head := []rawField{{"id", quote(s.ID)}, {"type", quote(s.Type)}}
		if !s.When.IsZero() {
			when, err := s.When.MarshalJSON()
			if err != nil {
				return nil, err
			}
			head = append(head, rawField{"when", when})
		}
		return writeFields(append(head, s.raw...))
	}
	v := reflect.New(shape(true, settingsType(s.Settings))).Elem()
	v.Field(0).SetString(s.ID)
	v.Field(1).SetString(s.Type)
	v.Field(2).Set(reflect.ValueOf(s.When))
	v.Field(3).Set(reflect.ValueOf(s.Settings).Elem())
	return marshalNoEscape(v.Interface())
}

// UnmarshalJSON reads a step, its kind's fields strictly. The fields of a
// type no kind has are kept as they are.
func (s *Step) UnmarshalJSON(data []byte) error {
	typ, err := typeOf(data)
	if err != nil {
		return err
	}
	k, ok := LookupStep(typ)
	if !ok {
		var head struct {
			ID   string    `json:"id"`
			Type string    `json:"type"`
			When Condition `json:"when"`
		}
		raw, err := readRaw(data, &head, "id", "type", "when")
		*s = Step{ID: head.ID, Type: head.Type, When: head.When, raw: raw}
		return err
	}
	settings := k.New()
	t := shape(true, settingsType(settings))
	v := reflect.New(t)
	if err := strictDecode(data, v.Interface()); err != nil {
		return strictError(data, t, err)
	}
	e := v.Elem()
	reflect.ValueOf(settings).Elem().Set(e.Field(3))
	*s = Step{ID: e.Field(0).String(), Type: e.Field(1).String(), When: e.Field(2).Interface().(Condition), Settings: settings}
	return nil
}

// MarshalJSON writes the trigger as one object: type, then its kind's
// fields.
func (t Trigger) MarshalJSON() ([]byte, error) {
	if t.Settings == nil {
		return writeFields(append([]rawField{{"type", quote(t.Type)}}, t.raw...))
	}
	v := reflect.New(shape(false, settingsType(t.Settings))).Elem()
	v.Field(0).SetString(t.Type)
	v.Field(1).Set(reflect.ValueOf(t.Settings).Elem())
	return marshalNoEscape(v.Interface())
}

// UnmarshalJSON reads a trigger, its kind's fields strictly.
func (t *Trigger) UnmarshalJSON(data []byte) error {
	typ, err := typeOf(data)
	if err != nil {
		return err
	}
	k, ok := LookupTrigger(typ)
	if !ok {
		var head struct {
			Type string `json:"type"`
		}
		raw, err := readRaw(data, &head, "type")
		*t = Trigger{Type: head.Type, raw: raw}
		return err
	}
	settings := k.New()
	st := shape(false, settingsType(settings))
	v := reflect.New(st)
	if err := strictDecode(data, v.Interface()); err != nil {
		return strictError(data, st, err)
	}
	e := v.Elem()
	reflect.ValueOf(settings).Elem().Set(e.Field(1))
	*t = Trigger{Type: e.Field(0).String(), Settings: settings}
	return nil
}

// shapeOf is the struct a step's or trigger's JSON object is checked
// against (see docWalker). Where its type has no kind, it is the common
// fields alone, and loose: the other fields are not checked (Compile
// refuses the type).
func shapeOf(t reflect.Type, data []byte) (shaped reflect.Type, loose bool) {
	typ, _ := typeOf(data)
	switch t {
	case reflect.TypeFor[Step]():
		if k, ok := LookupStep(typ); ok {
			return shape(true, settingsType(k.New())), false
		}
		return reflect.StructOf(stepHead), true
	case reflect.TypeFor[Trigger]():
		if k, ok := LookupTrigger(typ); ok {
			return shape(false, settingsType(k.New())), false
		}
		return reflect.StructOf(triggerHead), true
	}
	return nil, false
}

func settingsType(settings any) reflect.Type { return reflect.TypeOf(settings).Elem() }

// typeOf reads the "type" of an object; "" where it has none, or where
// it is not a string (the document check says so).
func typeOf(data []byte) (string, error) {
	var probe struct {
		Type json.RawMessage `json:"type"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return "", nil // not an object: the document check says so
		}
		return "", err
	}
	var typ string
	_ = json.Unmarshal(probe.Type, &typ)
	return typ, nil
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// readRaw decodes an object's common fields into head and returns its
// other fields in order.
func readRaw(data []byte, head any, common ...string) (rawFields, error) {
	if err := json.Unmarshal(data, head); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var out rawFields
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		isCommon := false
		for _, c := range common {
			isCommon = isCommon || c == name
		}
		if !isCommon {
			out = append(out, rawField{name, v})
		}
	}
	return out, nil
}

// writeFields writes fields as one JSON object, in order.
func writeFields(fields []rawField) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(quote(f.name))
		b.WriteByte(':')
		b.Write(f.value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func quote(s string) json.RawMessage {
	b, _ := marshalNoEscape(s)
	return b
}
