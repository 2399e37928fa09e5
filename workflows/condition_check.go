package workflows

import (
	"fmt"
	"strconv"
	"strings"
)

// RuleResult is what one rule or group of a match gives against some
// data: the editor shows it beside the rule as a live result.
type RuleResult struct {
	// Path is where the rule sits in the match: "all[0]", "all[1].any[0]";
	// "" for a match that is one rule.
	Path string `json:"path"`
	// OK says whether it holds.
	OK bool `json:"ok"`
	// Seen is the field's value (a rule's, not a group's); nil where the
	// field is missing.
	Seen any `json:"seen"`
	// Group marks an all or any group.
	Group bool `json:"group,omitempty"`
	// Hint, for a rule whose field the data lacks, names what is missing
	// and the nearest field there: "field stauts is not in the sample; did
	// you mean status?".
	Hint string `json:"hint,omitempty"`
}

// CheckCondition evaluates a condition against env, and each of a match's
// rules and groups on its own. A bad condition gives a *FieldError whose
// field starts with field ("when.all[0].op").
func CheckCondition(field string, c Condition, env *Env) (bool, []RuleResult, error) {
	b := &build{}
	cc, err := b.Condition(field, c)
	if err != nil {
		return false, nil, err
	}
	ok, err := cc.Eval(env)
	if err != nil {
		return false, nil, fieldErr(field, "", err)
	}
	if c.Match == nil {
		return ok, nil, nil
	}
	var out []RuleResult
	if _, err := b.checkMatch(field, "", c.Match, env, &out); err != nil {
		return false, nil, err
	}
	return ok, out, nil
}

// checkMatch evaluates m (at path in the match) and what it holds,
// appending their results to out in order, a group before its rules.
func (b *build) checkMatch(field, path string, m *Match, env *Env, out *[]RuleResult) (bool, error) {
	join := func(key string, i int) string {
		p := fmt.Sprintf("%s[%d]", key, i)
		if path == "" {
			return p
		}
		return path + "." + p
	}
	if len(m.All) > 0 || len(m.Any) > 0 {
		key, list := "all", m.All
		if len(m.Any) > 0 {
			key, list = "any", m.Any
		}
		at := len(*out)
		*out = append(*out, RuleResult{Path: path, Group: true})
		ok := key == "all"
		for i := range list {
			r, err := b.checkMatch(field, join(key, i), &list[i], env, out)
			if err != nil {
				return false, err
			}
			if key == "all" {
				ok = ok && r
			} else {
				ok = ok || r
			}
		}
		(*out)[at].OK = ok
		return ok, nil
	}
	at := field
	if path != "" {
		at = field + "." + path
	}
	src, rules, err := b.matchSource(at, m, false)
	if err != nil {
		return false, err
	}
	ok, err := EvalBool(rules[0].rule, env)
	if err != nil {
		return false, fieldErr(at, "", fmt.Errorf("%s: %w", src, err))
	}
	var seen any
	if rules[0].field != nil {
		if seen, err = Eval(rules[0].field, env); err != nil {
			seen = nil // a field that cannot be read is shown as missing
		}
	}
	r := RuleResult{Path: path, OK: ok, Seen: seen}
	if seen == nil && rules[0].field != nil && m.Op != "exists" && m.Op != "not_exists" {
		r.Hint = ruleFieldHint(m.Field, env)
	}
	*out = append(*out, r)
	return ok, nil
}

// ruleFieldHint says what part of a rule's field path the data lacks, with
// the nearest name it has; "" where the path is all there, or goes into a
// step that did not run on the sample.
func ruleFieldHint(field string, env *Env) string {
	parts, err := splitFieldPath(field)
	if err != nil {
		return ""
	}
	path := make(FieldPath, len(parts))
	for i, p := range parts {
		if n, err := strconv.Atoi(p); err == nil && isIndex(p) {
			path[i] = n
		} else {
			path[i] = strings.TrimPrefix(p, "#")
		}
	}
	if path[0] == "steps" && len(path) > 1 {
		if _, ran := env.Steps[fmt.Sprint(path[1])]; !ran {
			return ""
		}
	}
	return MissingField(map[string]any{
		"payload": env.Payload, "trigger": env.Trigger, "steps": env.Steps,
		"vars": env.Vars, "item": env.Item, "index": env.Index,
	}, path)
}
