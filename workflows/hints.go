package workflows

import (
	"errors"
	"regexp"
	"strings"
	"unicode"

	"github.com/expr-lang/expr/file"
)

// Expression errors come from expr in a programmer's words. A person who
// writes a condition the way they would say it makes a few mistakes often;
// Hint recognises those and says how to write it instead.

var (
	unknownName = regexp.MustCompile(`^unknown name ([A-Za-z_][A-Za-z0-9_]*)`)
	operatorEq  = regexp.MustCompile(`^unexpected token Operator\("="\)`)
)

// Hint says how to mend a common mistake behind err, an error compiling
// src; "" where it knows none.
func Hint(src string, err error) string {
	if err == nil {
		return ""
	}
	msg, line, col := err.Error(), 0, 0 // col: 1-based
	var xe *file.Error
	if fe, ok := err.(*FieldError); ok {
		msg, line, col = fe.Message, fe.Line, fe.Column
	} else if errors.As(err, &xe) {
		msg, line, col = xe.Message, xe.Line, xe.Column+1
	}
	switch {
	case operatorEq.MatchString(msg), strings.Contains(" "+src, " = ") && !strings.Contains(src, "=="):
		return "to compare, use == (a single = is not an operator): payload.type == 'paid'"
	case unknownName.MatchString(msg):
		word := unknownName.FindStringSubmatch(msg)[1]
		if line == 1 && col > 0 {
			word = wordAt(src, col-1, word)
		}
		return "text must be in quotes: '" + word + "'; a name without quotes is read as a field (payload, trigger, steps, vars, secrets)"
	}
	return Warning(src)
}

// Warning says what in an expression that compiles is likely not what its
// author meant: "{{ }}" in it, which is for text fields, not expressions
// (in a quoted string it is the text "{{ }}").
func Warning(src string) string {
	if strings.Contains(src, "{{") {
		return "{{ }} is for text fields; in an expression write the field itself, such as payload.name"
	}
	return ""
}

// wordAt is the dotted word that starts at the column (in characters) of
// src, such as payment.succeeded where expr names only payment.
func wordAt(src string, col int, fallback string) string {
	r := []rune(src)
	if col < 0 || col >= len(r) {
		return fallback
	}
	end := col
	for end < len(r) && (unicode.IsLetter(r[end]) || unicode.IsDigit(r[end]) || r[end] == '_' || r[end] == '.' || r[end] == '-') {
		end++
	}
	if w := strings.TrimRight(string(r[col:end]), ".-"); w != "" {
		return w
	}
	return fallback
}

// hinted adds to an expression's error the hint for its source.
func hinted(fe *FieldError, src string) *FieldError {
	fe.Hint = Hint(src, fe)
	return fe
}
