package workflows

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"
)

// FieldError is a problem with one field of a definition. Field is a path
// such as "steps[2].expr"; Step is the id of the step it is in, if any.
// Line and Column locate an expression error inside the field (1-based;
// zero where the problem is not in an expression).
type FieldError struct {
	Field   string
	Step    string
	Message string
	Line    int
	Column  int
	// Hint says how to mend a common mistake, where one is recognised.
	Hint string
}

func (e *FieldError) Error() string {
	loc := ""
	if e.Line > 0 {
		loc = fmt.Sprintf(" (%d:%d)", e.Line, e.Column)
	}
	switch {
	case e.Step != "":
		return fmt.Sprintf("step %q: %s: %s%s", e.Step, e.Field, e.Message, loc)
	case e.Field == "":
		return e.Message + loc
	}
	return fmt.Sprintf("%s: %s%s", e.Field, e.Message, loc)
}

// fieldErr builds a FieldError from an error, keeping expr's position.
func fieldErr(field, step string, err error) *FieldError {
	fe := &FieldError{Field: field, Step: step, Message: err.Error()}
	var xe *file.Error
	if errors.As(err, &xe) {
		fe.Message = xe.Message
		fe.Line = xe.Line
		fe.Column = xe.Column + 1
	}
	return fe
}

// fieldf builds a FieldError from a message.
func fieldf(field, step, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Step: step, Message: fmt.Sprintf(format, args...)}
}

// position returns the 1-based line and column (in characters) of the
// character that follows prefix.
func position(prefix string) (line, column int) {
	line = 1 + strings.Count(prefix, "\n")
	last := prefix[strings.LastIndexByte(prefix, '\n')+1:]
	return line, utf8.RuneCountInString(last) + 1
}
