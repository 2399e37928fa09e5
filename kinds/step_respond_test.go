package kinds

import (
	"errors"
	"reflect"
	"sort"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

func respondDefinition(headers def) def {
	return def{"format": workflows.Format, "id": "r", "name": "R",
		"trigger": def{"type": "webhook", "response": def{"mode": "sync"}},
		"steps": []any{
			def{"id": "call", "type": "webhook", "url": "https://example.com", "headers": def{"Set-Cookie": "outbound is fine"}},
			def{"id": "reply", "type": "respond", "headers": headers},
		}}
}

// TestCompileRefusesRespondHeaders: a respond step may not set cookies,
// CORS or security headers; the first refused header, by name, is named.
func TestCompileRefusesRespondHeaders(t *testing.T) {
	t.Parallel()
	_, err := compileDef(t, respondDefinition(def{"X-Ok": "1", "access-control-allow-origin": "*", "Set-Cookie": "a=b"}))
	var fe *workflows.FieldError
	if !errors.As(err, &fe) || fe.Field != "steps[1].headers.Set-Cookie" || fe.Step != "reply" || fe.Message != refusedCookie {
		t.Fatalf("Compile = %v; want Set-Cookie refused (the first by name)", err)
	}
	if _, err := compileDef(t, respondDefinition(def{"Location": "/x", "Link": "<a>", "Content-Type": "text/html"})); err != nil {
		t.Errorf("Compile of allowed headers = %v", err)
	}
}

// TestStoredRespondHeadersDropped: a revision stored before a header was
// refused still loads to run, without it, and says what was left out.
func TestStoredRespondHeadersDropped(t *testing.T) {
	t.Parallel()
	w, err := decodeDef(t, respondDefinition(def{"X-Ok": "1", "cross-origin-opener-policy": "x", "Set-Cookie": "a=b"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workflows.Compile(w); err == nil {
		t.Fatal("Compile took the refused headers")
	}
	c, err := workflows.CompileStored(w)
	if err != nil {
		t.Fatalf("CompileStored: %v", err)
	}
	got := append([]string(nil), c.Dropped...)
	sort.Strings(got)
	if want := []string{"steps[1].headers.Set-Cookie", "steps[1].headers.cross-origin-opener-policy"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dropped %v, want %v", got, want)
	}
	reply := c.Steps[1].Program.(*respondStep)
	if len(reply.headers) != 1 || reply.headers[0].Name != "X-Ok" {
		t.Errorf("headers left: %+v, want X-Ok alone", reply.headers)
	}
	if n := len(c.Steps[0].Program.(*webhookStep).headers); n != 1 {
		t.Errorf("the webhook step's own Set-Cookie was dropped too (%d headers)", n)
	}
}
