package kinds

import (
	"strings"

	"golang.org/x/net/html"
)

// HTMLText is the text an email's HTML reads as, for the text part of a
// message given only as HTML: tags dropped (scripts and styles with their
// content), a link followed by its address, paragraphs, line breaks and
// list items on lines of their own, entities decoded, runs of spaces
// made one.
func HTMLText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	var line strings.Builder
	skip := 0
	var hrefs []string
	flush := func(blank bool) {
		t := strings.Join(strings.Fields(line.String()), " ")
		line.Reset()
		if t != "" {
			b.WriteString(t)
			b.WriteString("\n")
		}
		if blank && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n\n") {
			b.WriteString("\n")
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush(false)
			return strings.TrimRight(b.String(), "\n")
		case html.TextToken:
			if skip == 0 {
				line.WriteString(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			start := tt != html.EndTagToken
			switch tag {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "br":
				flush(false)
			case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "hr":
				flush(true)
			case "tr", "li":
				flush(false)
				if start && tag == "li" {
					line.WriteString("- ")
				}
			case "td", "th":
				line.WriteString(" ")
			case "a":
				if tt == html.StartTagToken {
					href := ""
					for hasAttr {
						var k, v []byte
						k, v, hasAttr = z.TagAttr()
						if string(k) == "href" {
							href = string(v)
						}
					}
					hrefs = append(hrefs, href)
				} else if tt == html.EndTagToken && len(hrefs) > 0 {
					href := strings.TrimPrefix(hrefs[len(hrefs)-1], "mailto:")
					hrefs = hrefs[:len(hrefs)-1]
					if href != "" && !strings.HasPrefix(href, "#") && !strings.Contains(line.String(), href) {
						line.WriteString(" (" + href + ")")
					}
				}
			}
		}
	}
}
