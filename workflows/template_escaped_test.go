package workflows

import (
	"html"
	"testing"
)

// TestRenderEscaped: each {{ }} value is escaped, the literal parts kept.
func TestRenderEscaped(t *testing.T) {
	t.Parallel()
	tpl, err := CompileTemplate(`<p>Hi <b>{{ payload.name }}</b> ({{ payload.n + 1 }})</p>`)
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Payload: map[string]any{"name": `<script>alert("x")</script> & co`, "n": 1}}
	got, err := tpl.RenderEscaped(env, html.EscapeString)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<p>Hi <b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</b> (2)</p>`; got != want {
		t.Errorf("RenderEscaped = %q, want %q", got, want)
	}
}
