package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// ordersDefinition is a filter -> transform -> webhook workflow, written
// the way workflows.Encode (and so "hookflow export") writes it: two-space
// indent, fields in the format's order, a final newline. %s is the
// receiver's base URL.
const ordersDefinition = `{
  "format": "hookflow/v1",
  "id": "paid-orders",
  "name": "Paid orders to the receiver",
  "enabled": true,
  "trigger": {
    "type": "webhook",
    "methods": [
      "POST"
    ]
  },
  "steps": [
    {
      "id": "paid",
      "type": "filter",
      "expr": "payload.status == 'paid' && payload.amount > 0"
    },
    {
      "id": "shape",
      "type": "transform",
      "expr": "{order: payload.id, total: payload.amount / 100.0, tag: upper(payload.tag)}"
    },
    {
      "id": "notify",
      "type": "webhook",
      "method": "POST",
      "url": "{{ vars.receiver }}/orders/{{ payload.order }}",
      "headers": {
        "X-Source": "hookflow"
      },
      "body": "payload",
      "retry": {
        "max_attempts": 3,
        "initial": "100ms",
        "max": "1s"
      }
    }
  ],
  "vars": {
    "receiver": "%s"
  }
}
`

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// order is the event the tests post: half are paid.
func order(i int) []byte {
	status := "pending"
	if i%2 == 0 {
		status = "paid"
	}
	b, _ := json.Marshal(map[string]any{"id": i, "status": status, "amount": 1000 + 25*i, "tag": fmt.Sprintf("t%d", i)})
	return b
}

// shapedOrder is what the workflow sends for a paid order i.
func shapedOrder(i int) map[string]any {
	return map[string]any{"order": float64(i), "total": float64(1000+25*i) / 100, "tag": fmt.Sprintf("T%d", i)}
}

// orderKey names a shaped order by its number.
func orderKey(body any) string {
	m, _ := body.(map[string]any)
	return fmt.Sprint(m["order"])
}

// TestNewUser walks issue 2's first hour: validate a definition, import it,
// serve, post events to the trigger URL, read the runs, export the
// definition back.
func TestNewUser(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recv := receivertest.New(t)
	def := fmt.Sprintf(ordersDefinition, recv.URL)
	good := writeFile(t, dir, "paid-orders.json", def)
	bad := writeFile(t, dir, "broken.json", strings.Replace(def, "upper(payload.tag)}", "upper(payload.tag) +}", 1))

	// validate: ok, then a broken expression named by file, step and field.
	if res := cli(t, nil, "validate", good); res.Code != 0 || !strings.Contains(res.Stdout, "ok") {
		t.Fatalf("validate %s: exit %d, stdout %q, stderr %q; want 0 and ok", good, res.Code, res.Stdout, res.Stderr)
	}
	res := cli(t, nil, "validate", bad)
	if res.Code != 1 {
		t.Fatalf("validate %s: exit %d, want 1 (stderr %q)", bad, res.Code, res.Stderr)
	}
	for _, want := range []string{bad, "shape", "steps[1].expr", "unexpected token"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("validate %s: stderr %q does not name %q", bad, res.Stderr, want)
		}
	}

	// import, then serve on that database.
	db := filepath.Join(dir, "hookflow.db")
	if res := cli(t, nil, "import", good, "--db", db); res.Code != 0 || !strings.Contains(res.Stdout, "created paid-orders") {
		t.Fatalf("import: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	if res := cli(t, nil, "import", good, "--db", db); res.Code != 0 || !strings.Contains(res.Stdout, "unchanged paid-orders") {
		t.Errorf("import again: exit %d, stdout %q, stderr %q; want unchanged", res.Code, res.Stdout, res.Stderr)
	}
	srv := startServer(t, serverOptions{DB: db})
	hook := srv.hookPath("paid-orders")

	const events = 20
	payloads := make([][]byte, events)
	want := map[string]any{}
	for i := range events {
		payloads[i] = order(i)
		if i%2 == 0 {
			want[fmt.Sprint(i)] = shapedOrder(i)
		}
	}
	runIDs := srv.triggerAll(hook, payloads)

	runs := srv.waitRuns("paid-orders", events, 20*time.Second)
	if n := statusCounts(runs); n["succeeded"] != events/2 || n["filtered"] != events/2 {
		t.Errorf("runs by status = %v, want 10 succeeded and 10 filtered", n)
	}
	got := recv.Hits()
	if len(got) != events/2 {
		t.Errorf("receiver got %d requests, want exactly %d", len(got), events/2)
	}
	checkExactlyOnceEach(t, got, want, orderKey)
	for _, d := range got {
		var body map[string]any
		_ = json.Unmarshal(d.Body, &body)
		if wantPath := fmt.Sprintf("/orders/%v", body["order"]); d.Method != "POST" || d.Path != wantPath {
			t.Errorf("delivery %s: %s %s, want POST %s", d.WebhookID(), d.Method, d.Path, wantPath)
		}
	}

	// Every run shows its steps' results.
	for i, id := range runIDs {
		r := srv.run(id)
		if i%2 == 1 {
			if r.Run.Status != "filtered" || len(r.Steps) != 1 || r.Steps[0].Step != "paid" || r.Steps[0].Status != "filtered" {
				t.Errorf("run %s of pending order %d: %s with steps %+v; want filtered at step paid", id, i, r.Run.Status, r.Steps)
			}
			continue
		}
		if r.Run.Status != "succeeded" || len(r.Steps) != 3 {
			t.Errorf("run %s of paid order %d: %s with %d steps, want succeeded with 3", id, i, r.Run.Status, len(r.Steps))
			continue
		}
		for j, name := range []string{"paid", "shape", "notify"} {
			if s := r.Steps[j]; s.Step != name || s.Status != "succeeded" || s.Attempt != 1 {
				t.Errorf("run %s step %d = %s %s attempt %d, want %s succeeded attempt 1", id, j, s.Step, s.Status, s.Attempt, name)
			}
		}
		var shaped any
		if err := json.Unmarshal(r.Steps[1].Output, &shaped); err != nil || orderKey(shaped) != fmt.Sprint(i) {
			t.Errorf("run %s: shape output %s, want order %d", id, r.Steps[1].Output, i)
		}
		if s := r.Steps[2]; s.StatusCode != http.StatusOK || !strings.Contains(string(s.Input), recv.URL) {
			t.Errorf("run %s: notify status %d, input %s; want 200 and the request to the receiver", id, s.StatusCode, s.Input)
		}
	}

	// export from a second process while the server runs, and after it
	// stopped: the file that was imported, byte for byte.
	if res := cli(t, nil, "export", "paid-orders", "--db", db); res.Code != 0 || res.Stdout != def {
		t.Errorf("export while serving: exit %d, stderr %q, stdout:\n%s\nwant the imported file:\n%s", res.Code, res.Stderr, res.Stdout, def)
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("serve exit code after SIGTERM = %d, want 0", code)
	}
	if res := cli(t, nil, "export", "paid-orders", "--db", db); res.Code != 0 || res.Stdout != def {
		t.Errorf("export: exit %d, stderr %q, stdout:\n%s\nwant the imported file:\n%s", res.Code, res.Stderr, res.Stdout, def)
	}
	if res := cli(t, nil, "export", "no-such-workflow", "--db", db); res.Code == 0 || strings.Count(strings.TrimSpace(res.Stderr), "\n") != 0 {
		t.Errorf("export of an unknown id: exit %d, stderr %q; want non-zero and one line", res.Code, res.Stderr)
	}
}

// TestRunCommand runs a workflow file once with "hookflow run": every
// step's result printed, exit 0 when the run succeeds, 1 when it fails.
func TestRunCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recv := receivertest.New(t)
	good := writeFile(t, dir, "paid-orders.json", fmt.Sprintf(ordersDefinition, recv.URL))
	rejecting := receivertest.New(t)
	rejecting.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Status: http.StatusBadRequest} })
	failing := writeFile(t, dir, "rejected.json", fmt.Sprintf(ordersDefinition, rejecting.URL))

	res := cli(t, nil, "run", good, "--payload", string(order(4)), "--egress-allow", "127.0.0.1")
	if res.Code != 0 {
		t.Fatalf("run: exit %d, want 0\nstdout: %s\nstderr: %s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"paid", "shape", "notify", "HTTP 200", "run succeeded"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("run: stdout does not show %q:\n%s", want, res.Stdout)
		}
	}
	got := recv.Hits()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests from hookflow run, want 1", len(got))
	}
	checkExactlyOnceEach(t, got, map[string]any{"4": shapedOrder(4)}, orderKey)

	res = cli(t, nil, "run", good, "--payload", string(order(5)), "--egress-allow", "127.0.0.1")
	if res.Code != 0 || !strings.Contains(res.Stdout, "run filtered") {
		t.Errorf("run of a pending order: exit %d, stdout %q; want 0 and run filtered", res.Code, res.Stdout)
	}

	res = cli(t, nil, "run", failing, "--payload", string(order(6)), "--egress-allow", "127.0.0.1")
	if res.Code != 1 || !strings.Contains(res.Stdout, "run failed") || !strings.Contains(res.Stdout, "400") {
		t.Errorf("run against a receiver answering 400: exit %d, want 1 with the failure shown\nstdout: %s\nstderr: %s", res.Code, res.Stdout, res.Stderr)
	}
	if n := rejecting.Count(); n != 1 {
		t.Errorf("the rejecting receiver got %d requests, want 1 (a 400 is not retried)", n)
	}

	// Without --egress-allow the SSRF guard keeps the run off 127.0.0.1.
	res = cli(t, nil, "run", good, "--payload", string(order(8)))
	if res.Code != 1 {
		t.Errorf("run to 127.0.0.1 without --egress-allow: exit %d, want 1\nstdout: %s", res.Code, res.Stdout)
	}
	if n := recv.Count(); n != 1 {
		t.Errorf("receiver got %d requests, want still 1: the guard let a request to loopback through", n)
	}
}

// TestVersionAndBadFlags: version prints; a bad flag is one line, no stack
// trace, and a non-zero exit.
func TestVersionAndBadFlags(t *testing.T) {
	t.Parallel()
	res := cli(t, nil, "version")
	if res.Code != 0 || !strings.HasPrefix(res.Stdout, "hookflow ") {
		t.Errorf("version: exit %d, stdout %q; want 0 and \"hookflow <version>\"", res.Code, res.Stdout)
	}
	for _, args := range [][]string{
		{"serve", "--workers", "x"},
		{"serve", "--no-such-flag"},
		{"serve", "--tls-cert", "cert.pem"},
		{"validate", filepath.Join(t.TempDir(), "missing.json")},
		{"no-such-command"},
	} {
		res := cli(t, nil, args...)
		msg := strings.TrimSpace(res.Stderr)
		if res.Code == 0 || msg == "" || strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine") || strings.Contains(msg, "panic") {
			t.Errorf("hookflow %s: exit %d, stderr %q; want non-zero and one line without a stack trace", strings.Join(args, " "), res.Code, res.Stderr)
		}
	}
}

// TestFirstStartAdminToken: without HOOKFLOW_ADMIN_TOKEN the first start
// prints a generated token and a login URL once; the second start does
// not print them again; the token works for the API on both.
func TestFirstStartAdminToken(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "hookflow.db")
	tokenLine := regexp.MustCompile(`Admin token: (hf_[A-Za-z0-9_-]+)`)

	first := startServer(t, serverOptions{DB: db, NoToken: true})
	var token string
	waitFor(t, 5*time.Second, "the admin token line", func() (bool, string) {
		m := tokenLine.FindStringSubmatch(first.output())
		if m == nil {
			return false, first.output()
		}
		token = m[1]
		return true, ""
	})
	checkToken(t, first, token)
	if code := first.stop(); code != 0 {
		t.Errorf("first serve: exit %d after SIGTERM, want 0", code)
	}
	out := first.output()
	if n := strings.Count(out, token); n < 2 {
		t.Errorf("first start printed the token %d times, want it in the token line and the login URL:\n%s", n, out)
	}
	if n := len(tokenLine.FindAllString(out, -1)); n != 1 {
		t.Errorf("first start printed %d admin token lines, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, first.URL+"/#token="+token) {
		t.Errorf("first start printed no login URL %s/#token=...:\n%s", first.URL, out)
	}

	second := startServer(t, serverOptions{DB: db, NoToken: true})
	checkToken(t, second, token)
	if code := second.stop(); code != 0 {
		t.Errorf("second serve: exit %d after SIGTERM, want 0", code)
	}
	if out := second.output(); strings.Contains(out, "Admin token:") || strings.Contains(out, token) || strings.Contains(out, "#token=") {
		t.Errorf("second start printed a token again:\n%s", out)
	}
}

// checkToken checks the admin API takes token and nothing else.
func checkToken(t *testing.T, s *server, token string) {
	t.Helper()
	if code := s.doAs(token, "GET", "/api/v1/workflows", nil, nil); code != http.StatusOK {
		t.Errorf("GET /api/v1/workflows with the printed token = %d, want 200", code)
	}
	if code := s.doAs("", "GET", "/api/v1/workflows", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/workflows without a token = %d, want 401", code)
	}
	if code := s.doAs(token+"x", "GET", "/api/v1/workflows", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/workflows with a wrong token = %d, want 401", code)
	}
}
