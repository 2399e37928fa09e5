package engine

import "strconv"

// validJSON reports whether decodeJSON would take data, without decoding
// it: the grammar encoding/json takes (invalid UTF-8 inside strings
// allowed: decoding replaces it), nesting at most maxJSONDepth deep, and no
// number beyond float64's range. encoding/json's Valid cannot tell that last
// one, and a second pass to find such numbers would read every body again:
// this scanner checks a number's range where it reads the number, in the one
// pass, and allocates nothing (but to parse a number over 32 characters).
// A number beyond the range only counts where it stays in the decoded
// value (a repeated key replaces it): a document holding one is decoded to
// know, which is rare. FuzzDecodeJSON holds its answer to decodeJSON's.
func validJSON(data []byte) bool {
	s := jsonScanner{data: data}
	s.space()
	if !s.value(0) {
		return false
	}
	s.space()
	if s.i != len(data) {
		return false
	}
	if s.outOfRange {
		_, err := decodeJSON(data)
		return err == nil
	}
	return true
}

// maxJSONDepth is encoding/json's limit on nesting.
const maxJSONDepth = 10000

// jsonScanner is validJSON's position in its document.
type jsonScanner struct {
	data []byte
	i    int
	// outOfRange is set at a number beyond float64's range.
	outOfRange bool
}

func (s *jsonScanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next is the byte at the position, or 0 at the end.
func (s *jsonScanner) next() byte {
	if s.i < len(s.data) {
		return s.data[s.i]
	}
	return 0
}

// value reads one value of any kind; depth is the nesting around it.
func (s *jsonScanner) value(depth int) bool {
	switch c := s.next(); {
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		return s.string()
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

func (s *jsonScanner) object(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	s.i++ // {
	s.space()
	if s.next() == '}' {
		s.i++
		return true
	}
	for {
		if s.next() != '"' || !s.string() {
			return false
		}
		s.space()
		if s.next() != ':' {
			return false
		}
		s.i++
		s.space()
		if !s.value(depth) {
			return false
		}
		s.space()
		switch s.next() {
		case ',':
			s.i++
			s.space()
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

func (s *jsonScanner) array(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	s.i++ // [
	s.space()
	if s.next() == ']' {
		s.i++
		return true
	}
	for {
		if !s.value(depth) {
			return false
		}
		s.space()
		switch s.next() {
		case ',':
			s.i++
			s.space()
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// plainStringByte marks the bytes a string holds as they are: all but
// control characters, the quote and the backslash.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (s *jsonScanner) string() bool {
	d, i := s.data, s.i+1
	for i < len(d) {
		if plainStringByte[d[i]] {
			i++
			continue
		}
		switch d[i] {
		case '"':
			s.i = i + 1
			return true
		case '\\':
			if i+1 >= len(d) {
				return false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					return false
				}
				i += 6
			default:
				return false
			}
		default: // a control character
			return false
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number reads a number and notes one beyond float64's range. Only a
// number with an exponent or of more than 300 characters can be beyond it
// (the largest float64 is about 1.8e308): those are parsed to know.
func (s *jsonScanner) number() bool {
	d, start, i := s.data, s.i, s.i
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = digits(d, i)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		j := digits(d, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	exponent := i < len(d) && (d[i] == 'e' || d[i] == 'E')
	if exponent {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			return false
		}
		i = j
	}
	s.i = i
	if exponent || i-start > 300 {
		if _, err := strconv.ParseFloat(string(d[start:i]), 64); err != nil {
			s.outOfRange = true
		}
	}
	return true
}

// digits returns the index after the run of digits at i.
func digits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

// literal reads true, false or null.
func (s *jsonScanner) literal(word string) bool {
	if len(s.data)-s.i < len(word) || string(s.data[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}
