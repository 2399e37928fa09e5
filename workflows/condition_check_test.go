package workflows

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestCheckCondition: the editor's live result says, rule by rule and group
// by group, what holds against the data and what value each rule saw.
func TestCheckCondition(t *testing.T) {
	t.Parallel()
	var c Condition
	src := `{"all": [{"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
	  {"any": [{"field": "payload.amount", "op": "gt", "value": 20000}, {"field": "payload.vip", "op": "is_true"}]},
	  {"field": "payload.missing", "op": "exists"}]}`
	if err := json.Unmarshal([]byte(src), &c); err != nil {
		t.Fatal(err)
	}
	ok, rules, err := CheckCondition("when", c, matchEnv())
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("the condition holds, but payload.missing does not exist")
	}
	want := []RuleResult{
		{Path: "", OK: false, Group: true},
		{Path: "all[0]", OK: true, Seen: "payment.succeeded"},
		{Path: "all[1]", OK: true, Group: true},
		{Path: "all[1].any[0]", OK: false, Seen: 12000.0},
		{Path: "all[1].any[1]", OK: true, Seen: true},
		{Path: "all[2]", OK: false, Seen: nil},
	}
	got, _ := json.Marshal(rules)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("rules\n got %s\nwant %s", got, exp)
	}

	// A field the data lacks is named, with the nearest one it has.
	_, rules, err = CheckCondition("when", Condition{Match: &Match{Field: "payload.tpye", Op: "eq", Value: json.RawMessage(`"payment.succeeded"`)}}, matchEnv())
	if err != nil || len(rules) != 1 || rules[0].Hint != "field tpye is not in the sample; did you mean type?" {
		t.Errorf("a misspelt field: %+v %v", rules, err)
	}

	// One rule alone, and an expression (no rules to show).
	ok, rules, err = CheckCondition("when", Condition{Match: &Match{Field: "payload.amount", Op: "gt", Value: json.RawMessage(`"10000"`)}}, matchEnv())
	if err != nil || !ok || len(rules) != 1 || rules[0].Path != "" || rules[0].Seen != 12000.0 {
		t.Errorf("one rule: %v %+v %v", ok, rules, err)
	}
	ok, rules, err = CheckCondition("when", Condition{Expr: "payload.vip && payload.amount > 100"}, matchEnv())
	if err != nil || !ok || rules != nil {
		t.Errorf("an expression: %v %+v %v", ok, rules, err)
	}
}

// TestCheckConditionErrors: a bad rule names its place in the condition.
func TestCheckConditionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, field string }{
		{`{"all": [{"field": "payload.a", "op": "eq", "value": 1}, {"field": "payload.b", "op": "bigger", "value": 1}]}`, "when.all[1].op"},
		{`{"any": [{"field": "payload.a", "op": "gt"}]}`, "when.any[0].value"},
		{`{"all": [{"field": "nowhere.a", "op": "exists"}]}`, "when.all[0].field"},
		{`"payload.a +"`, "when"},
	} {
		var c Condition
		if err := json.Unmarshal([]byte(tc.src), &c); err != nil {
			t.Fatal(err)
		}
		_, _, err := CheckCondition("when", c, matchEnv())
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: error %v, want one at %s", tc.src, err, tc.field)
		}
	}
}
