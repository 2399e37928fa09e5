package workflows

// Builtins describe the functions of expr that people use most in a
// workflow, for the editor's autocomplete and function reference (the
// formatters are in Formatters). Each example is run by a test.
var Builtins = []Formatter{
	{"len", "len(value)", "The length of a text, list or object.", `len("hookflow")`, "8"},
	{"upper", "upper(text)", "The text in capitals.", `upper("paid")`, "PAID"},
	{"lower", "lower(text)", "The text in small letters.", `lower("Ann@Example.COM")`, "ann@example.com"},
	{"trim", "trim(text[, chars])", "The text without spaces (or chars) at either end.", `trim("  ann  ")`, "ann"},
	{"replace", "replace(text, old, new)", "The text with every old part replaced by new.", `replace("a-b-c", "-", "/")`, "a/b/c"},
	{"join", "join(list[, separator])", "The items of a list as one text.", `join(["a", "b"], ", ")`, "a, b"},
	{"hasPrefix", "hasPrefix(text, prefix)", "Whether the text starts with prefix.", `hasPrefix("order.paid", "order.")`, "true"},
	{"hasSuffix", "hasSuffix(text, suffix)", "Whether the text ends with suffix.", `hasSuffix("ann@example.com", "@example.com")`, "true"},
	{"indexOf", "indexOf(text, part)", "Where part first appears in the text (-1: nowhere).", `indexOf("hookflow", "flow")`, "4"},
	{"map", "map(list, expression)", "A list of the expression for every item (. is the item).", `join(map([{sku: "a"}, {sku: "b"}], .sku), ",")`, "a,b"},
	{"filter", "filter(list, condition)", "The items for which the condition holds (. is the item).", `len(filter([1, 5, 10], # > 2))`, "2"},
	{"any", "any(list, condition)", "Whether the condition holds for any item.", `any([1, 5], # > 4)`, "true"},
	{"all", "all(list, condition)", "Whether the condition holds for every item.", `all([1, 5], # > 4)`, "false"},
	{"find", "find(list, condition)", "The first item for which the condition holds.", `find([{id: 1}, {id: 2}], .id == 2).id`, "2"},
	{"sum", "sum(list)", "The sum of a list of numbers.", `sum([1, 2, 3.5])`, "6.5"},
	{"max", "max(a, b...)", "The largest of the numbers.", `max(3, 9, 4)`, "9"},
	{"min", "min(a, b...)", "The smallest of the numbers.", `min(3, 9, 4)`, "3"},
	{"round", "round(number)", "The number rounded to the nearest whole number.", `round(2.5)`, "3"},
	{"int", "int(value)", "A whole number from a number or a text.", `int("42") + 1`, "43"},
	{"float", "float(value)", "A number from a text.", `float("1.5") * 2`, "3"},
	{"string", "string(value)", "The value as text.", `string(42) + "!"`, "42!"},
	{"toJSON", "toJSON(value)", "The value as JSON text.", `toJSON([1, "a"])`, "[\n  1,\n  \"a\"\n]"},
	{"fromJSON", "fromJSON(text)", "The value a JSON text holds.", `fromJSON("{\"a\": 1}").a`, "1"},
	{"toBase64", "toBase64(text)", "The text in base64.", `toBase64("hi")`, "aGk="},
	{"now", "now()", "The current time.", `now().Year() > 2000`, "true"},
	{"date", "date(text[, layout])", "A time from text (RFC 3339, or the Go layout given).", `date("2026-05-01T12:30:00Z").Hour()`, "12"},
	{"keys", "keys(object)", "The names of an object's fields.", `len(keys({a: 1, b: 2}))`, "2"},
	{"values", "values(object)", "The values of an object's fields.", `sum(values({a: 1, b: 2}))`, "3"},
}
