package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's Chromium (headless) through the editor
// against the real server: web.New over a started engine on SQLite, with a
// receiver on 127.0.0.1 (see setup). Without Chromium they skip, unless CI
// is set: CI installs it (apt-get install -y chromium) and must run them.
//
// HOOKFLOW_CHROMIUM=path picks another Chromium build. HOOKFLOW_SCREENSHOTS=dir
// also saves the README's screenshots there:
//
//	HOOKFLOW_SCREENSHOTS=$PWD/docs go test ./web -run TestEditorBrowser

// chromiumPaths are where Debian and others install Chromium.
var chromiumPaths = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"}

// findChromium returns the browser to drive: HOOKFLOW_CHROMIUM when set (a
// path that does not exist counts as no browser), else Debian's Chromium.
func findChromium() string {
	if p, ok := os.LookupEnv("HOOKFLOW_CHROMIUM"); ok {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	for _, p := range chromiumPaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// skipWithoutChromium skips a browser test where there is no Chromium,
// unless CI is set: CI must run them.
func skipWithoutChromium(t *testing.T) {
	t.Helper()
	if findChromium() == "" && os.Getenv("CI") == "" {
		t.Skip("browser tests skipped: no Chromium (looked for /usr/bin/chromium and chromium-browser); apt-get install -y chromium to run them")
	}
}

// loggedIn starts a browser test in parallel with the others: a server, and
// a tab on its editor logged in with the login link.
func loggedIn(t *testing.T) (*bundle, *ui) {
	t.Helper()
	t.Parallel()
	skipWithoutChromium(t)
	b := setup(t)
	u := newUI(t, b.url)
	u.open("/#token=" + b.token)
	u.waitVisible("#new-workflow")
	return b, u
}

// ui is a browser tab on the editor.
type ui struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string // exceptions and console errors seen
}

func newUI(t *testing.T, base string) *ui {
	t.Helper()
	path := findChromium()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but Chromium is missing: the browser tests must run in CI (apt-get install -y chromium)")
		}
		t.Skip("browser tests skipped: no Chromium (looked for /usr/bin/chromium and chromium-browser); apt-get install -y chromium to run them")
	}
	// Chromium's helpers (crash handler, zygote) may still write to its
	// profile for a moment after the browser is gone, so the profile is
	// removed with a few tries rather than by t.TempDir, whose cleanup
	// fails the test on "directory not empty".
	profile, err := os.MkdirTemp("", "hookflow-chromium-")
	if err != nil {
		t.Fatalf("profile folder: %v", err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("Chromium's profile %s is left behind: it could not be removed", profile)
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-crash-reporter", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1440, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)

	u := &ui{t: t, ctx: ctx, base: base}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			// Failed loads (the 401 of a check before login) are expected;
			// exceptions, console.error and CSP reports are not.
			if m.IsException() || (m.Type == chromedp.ConsoleError && m.Source != "network") {
				u.mu.Lock()
				u.problems = append(u.problems, m.String())
				u.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		for _, p := range u.problems {
			t.Errorf("browser console: %s", p)
		}
	})
	return u
}

// fail ends the test with what the page shows, for a readable failure.
func (u *ui) fail(format string, args ...any) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 3*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search + "\n" + document.body.innerText.slice(0, 3000)`))
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		p := filepath.Join(os.TempDir(), fmt.Sprintf("hookflow-%s.png", strings.ReplaceAll(u.t.Name(), "/", "_")))
		if os.WriteFile(p, shot, 0o644) == nil {
			text += "\n(screenshot: " + p + ")"
		}
	}
	u.t.Fatalf(format+"\n--- page ---\n%s", append(args, text)...)
}

func (u *ui) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	if err := chromedp.Do(u.ctx, actions...); err != nil {
		u.fail("%s: %v", what, err)
	}
}

// acceptLeaving answers yes whenever the page asks before it is left with
// unsaved edits, so a subtest that fails with edits unsaved does not stop
// the next one.
func (u *ui) acceptLeaving() {
	opening := chromedp.Events(u.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range opening {
			if err != nil {
				return
			}
			if ev.Type != page.DialogTypeBeforeunload {
				continue
			}
			go func() {
				_, _ = chromedp.Call(u.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	}()
}

// in is the same browser tab, failing subtest t.
func (u *ui) in(t *testing.T) *ui { return &ui{t: t, ctx: u.ctx, base: u.base} }

func (u *ui) open(path string) { u.t.Helper(); u.do("open "+path, chromedp.Navigate(u.base+path)) }

// click clicks the first element matching a CSS selector, once visible and
// once no expression preview is still coming (a preview that appears moves
// what is below it, and a click aimed before the move lands elsewhere).
func (u *ui) click(sel string) {
	u.t.Helper()
	u.waitVisible(sel)
	u.waitJS("the previews are current", `!document.querySelector('.preview[aria-busy="true"]')`)
	// In the middle of the window: scrolled only just into view, it may lie
	// under the top bar, which would take the click.
	// A page that draws itself again as it polls (a live run) may replace
	// the node between finding and clicking it: the click is then made on
	// the node drawn in its place.
	for try := 1; ; try++ {
		u.eval(fmt.Sprintf(`document.querySelector(%s).scrollIntoView({block: 'center'}), 'ok'`, jsString(sel)))
		err := chromedp.Do(u.ctx, chromedp.Click(chromedp.CSS(sel)))
		if err == nil {
			return
		}
		if try == 5 || !strings.Contains(err.Error(), "Could not find node") {
			u.fail("click %s: %v", sel, err)
			return
		}
		u.waitVisible(sel)
	}
}

func (u *ui) waitVisible(sel string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		u.fail("wait for %s: %v", sel, err)
	}
}

// typeInto types text into a field with real key events.
func (u *ui) typeInto(sel, text string) {
	u.t.Helper()
	u.waitVisible(sel)
	u.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// fill replaces a field's value and fires its input event, as typing would.
func (u *ui) fill(sel, value string) {
	u.t.Helper()
	u.waitVisible(sel)
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus(); el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true })()`,
		strconv.Quote(sel), jsString(value))
	u.eval(js)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eval runs JavaScript and returns its value as a string.
func (u *ui) eval(js string) string {
	u.t.Helper()
	v, err := chromedp.Run(u.ctx, chromedp.Evaluate[json.RawMessage](js))
	if err != nil {
		u.fail("eval %s: %v", js, err)
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// waitJS waits until a JavaScript expression is truthy.
func (u *ui) waitJS(what, js string) {
	u.t.Helper()
	if _, err := chromedp.Run(u.ctx, chromedp.Poll[json.RawMessage](js, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		u.fail("waiting until %s (%s): %v", what, js, err)
	}
}

// waitText waits until the element's text contains every want.
func (u *ui) waitText(sel string, want ...string) {
	u.t.Helper()
	conds := make([]string, 0, len(want))
	for _, w := range want {
		conds = append(conds, fmt.Sprintf("el.textContent.includes(%s)", jsString(w)))
	}
	u.waitJS(fmt.Sprintf("%s shows %q", sel, want),
		fmt.Sprintf(`(() => { const el = document.querySelector(%s); return !!el && %s })()`, strconv.Quote(sel), strings.Join(conds, " && ")))
}

func (u *ui) waitPath(want string) {
	u.t.Helper()
	u.waitJS("the page is "+want, fmt.Sprintf(`location.pathname === %s`, jsString(want)))
}

// screenshot saves a PNG of the window when HOOKFLOW_SCREENSHOTS names a
// folder.
func (u *ui) screenshot(name string, height ...int64) {
	u.t.Helper()
	dir := os.Getenv("HOOKFLOW_SCREENSHOTS")
	if dir == "" {
		return
	}
	if len(height) > 0 { // a taller window for this one picture
		u.do("resize", chromedp.EmulateViewport(1440, height[0]))
		defer u.do("resize back", chromedp.EmulateViewport(1440, 900))
	}
	// Let pending previews settle; no toast in the picture.
	u.do("settle", chromedp.Sleep(600*time.Millisecond))
	u.eval(`document.getElementById('toast').className = 'toast'`)
	u.do("settle", chromedp.Sleep(200*time.Millisecond))
	png, err := chromedp.Run(u.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		u.fail("screenshot: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		u.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.t.Logf("saved %s", filepath.Join(dir, name))
}

// TestEditorBrowser walks the editor as a person would: log in, build a
// workflow from scratch, copy its trigger URL, send it an event, watch the
// run, edit an expression and see its preview, test, fail to save an invalid
// expression, roll back, listen for an event, import and export, log out and
// back in with the login link.
func TestEditorBrowser(t *testing.T) {
	t.Parallel()
	skipWithoutChromium(t)
	b := setup(t)
	u := newUI(t, b.url)

	// ---- log in -------------------------------------------------------------
	u.open("/")
	u.waitPath("/login")
	u.click("#login-other") // the admin token, rather than an email and password
	u.typeInto("#login-token", "not-the-token")
	u.click("#login-submit")
	u.waitText("#login-error", "not the admin token")
	u.fill("#login-token", b.token)
	u.click("#login-submit")
	u.waitVisible("#new-workflow")
	u.waitPath("/")

	// ---- build a workflow from scratch ------------------------------------
	u.click("#new-workflow")
	u.click("#gallery-blank")
	u.waitPath("/workflows/new")
	u.typeInto("#wf-name", "Order relay")
	u.click(`[data-add-step="transform"]`)
	u.fill(`[data-field="steps[0].expr"]`, "{order: payload.id, total: payload.amount / 100.0}")
	u.click(`[data-add-step="webhook"]`)
	u.fill(`[data-field="steps[1].url"]`, b.recv.URL+"/orders/{{ payload.order }}")
	u.click("#save")
	u.waitJS("the new workflow's page opens", `/^\/workflows\/order-relay-[0-9a-f]+$/.test(location.pathname)`)
	id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")
	u.waitVisible("#trigger-url")

	// ---- copy the trigger URL ------------------------------------------------
	var wf workflow
	r := b.api(http.MethodGet, "/api/v1/workflows/"+id, nil)
	r.decode(t, &wf)
	if wf.Name != "Order relay" || wf.TriggerURL == "" {
		t.Fatalf("stored workflow = %+v", wf)
	}
	u.click("#copy-url")
	u.waitJS("the copy button copied", `!!document.querySelector('#copy-url').dataset.copied`)
	copied := u.eval(`document.querySelector('#copy-url').dataset.copied`)
	if copied != wf.TriggerURL {
		t.Fatalf("copied %q, want the trigger URL %q", copied, wf.TriggerURL)
	}
	if curl := u.eval(`document.querySelector('#curl').textContent`); !strings.Contains(curl, wf.TriggerURL) {
		t.Errorf("curl example does not use the trigger URL:\n%s", curl)
	}

	// ---- an event runs it ----------------------------------------------------
	runID := b.trigger(copied, map[string]any{"id": "ord_1", "amount": 4200})
	done := b.waitRun(runID)
	if done.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", done.Run.Status, done.Run.Error)
	}
	got := b.recv.Next(t)
	if got.Path != "/orders/ord_1" {
		t.Errorf("receiver got %s, want /orders/ord_1", got.Path)
	}
	jsonEqual(t, got.Body, map[string]any{"order": "ord_1", "total": 42})

	// ---- the runs page shows it, with step outputs ---------------------------
	u.click(`a[data-nav="runs"]`)
	u.waitPath("/runs")
	row := fmt.Sprintf(`tr[data-run="%s"]`, runID)
	u.waitText(row, "Succeeded", "Order relay")
	u.click(row + ` a[href^="/runs/"]`)
	u.waitPath("/runs/" + runID)
	u.waitText(`.attempt[data-step="transform"]`, `"order"`, `"ord_1"`, `"total"`, "42")
	u.waitText(`.attempt[data-step="webhook"]`, "HTTP 200", "Request", "Response", `"ok"`, "/orders/ord_1")
	u.waitText(".event", "Trigger event", `"amount"`, "4200")
	u.screenshot("editor-run.png")

	// ---- edit an expression: the preview follows ----------------------------
	u.click(`a[href="/workflows/` + id + `"].btn`)
	u.waitPath("/workflows/" + id)
	u.waitText("#sample-label", "Captured")
	expr := `[data-field="steps[0].expr"]`
	preview := `[data-preview-for="steps[0].expr"]`
	u.waitText(preview, `"order":"ord_1"`)
	u.fill(expr, "payload.amount * 2")
	u.waitText(preview, "8400")
	u.fill(expr, "payload.amount + 1")
	u.waitText(preview, "4201")
	u.fill(expr, "payload.amount +")
	u.waitJS("the preview shows the error", `document.querySelector('[data-preview-for="steps[0].expr"]').classList.contains('err')`)
	u.waitText(preview, "Line 1, column")

	// Save refuses it and points at the field.
	u.click("#save")
	u.waitText("#save-error", "Not saved", "steps[0].expr")
	u.waitJS("the field is marked invalid", `document.querySelector('[data-field="steps[0].expr"]').getAttribute('aria-invalid') === 'true'`)
	if f := u.eval(`document.activeElement && document.activeElement.dataset.field || ''`); f != "steps[0].expr" {
		t.Errorf("focus after a refused save is on %q, want steps[0].expr", f)
	}

	// Clicking a field of the sample inserts its path.
	u.fill(expr, "")
	u.click(`button.jkey[data-path="payload.amount"]`)
	if v := u.eval(`document.querySelector('[data-field="steps[0].expr"]').value`); v != "payload.amount" {
		t.Errorf("after clicking amount in the sample the expression is %q, want payload.amount", v)
	}
	u.waitText(preview, "4200")
	u.fill(expr, "{order: payload.id, total: payload.amount / 100.0, big: payload.amount > 1000}")
	u.waitText(preview, `"big":true`)

	// Test dry-runs the unsaved edit and shows each step's output inline.
	u.click("#test")
	u.waitText("#test-result", "Succeeded", "2 steps")
	u.waitText(`li.step[data-step="transform"] .step-result`, "Output", `"big"`)
	u.waitText(`li.step[data-step="webhook"] .step-result`, "Request it would send", `"sent"`)
	u.click("#save")
	u.waitText(".editor-meta", "revision 2")
	u.screenshot("editor-workflow.png", 1240)

	// History: the diff, then roll back to revision 1.
	u.click("#history")
	u.waitText("pre.diff", "big: payload.amount > 1000")
	u.click("#rollback")
	u.waitText(".editor-meta", "revision 3")
	var back struct {
		Revision   int `json:"revision"`
		Definition struct {
			Steps []struct {
				Expr string `json:"expr"`
			} `json:"steps"`
		} `json:"definition"`
	}
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &back)
	if back.Revision != 3 || back.Definition.Steps[0].Expr != "{order: payload.id, total: payload.amount / 100.0}" {
		t.Errorf("after rollback: revision %d, expr %q", back.Revision, back.Definition.Steps[0].Expr)
	}

	// ---- listen for a test event ---------------------------------------------
	u.click("#listen")
	u.waitText(".listen-status", "Waiting for a request")
	time.Sleep(300 * time.Millisecond) // the listener's baseline is taken
	b.trigger(wf.TriggerURL, map[string]any{"id": "ord_2", "amount": 99})
	u.waitText(".sample-view", `"ord_2"`)
	u.waitText(preview, `"order":"ord_2"`)

	// ---- import (paste) ------------------------------------------------------
	u.click(`a.brand`)
	u.waitVisible("#import-open")
	u.click("#import-open")
	def := fmt.Sprintf(`{"format": "hookflow/v1", "id": "imported-hook", "name": "Imported hook",
		"trigger": {"type": "webhook"},
		"steps": [{"id": "only_paid", "type": "filter", "expr": "payload.status == 'paid'"},
		          {"id": "send", "type": "webhook", "url": %q}]}`, b.recv.URL+"/imported")
	u.fill("#import-text", def)
	u.click("#import-submit")
	u.waitPath("/workflows/imported-hook")
	u.waitJS("the imported workflow's name", `document.querySelector('#wf-name')?.value === 'Imported hook'`)
	if r := b.api(http.MethodGet, "/api/v1/workflows/imported-hook", nil); r.status != http.StatusOK {
		t.Fatalf("imported workflow: %d %s", r.status, r.body)
	}

	// ---- export all (a real download) ---------------------------------------
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(u.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	u.click(`a.brand`)
	u.waitVisible(`tr[data-workflow="imported-hook"]`)
	if os.Getenv("HOOKFLOW_SCREENSHOTS") != "" {
		seedForScreenshots(t, b)
		u.open("/")
		u.waitJS("the stats are in", `document.querySelectorAll('tr[data-workflow]').length >= 4 &&
			![...document.querySelectorAll('td')].some(td => td.textContent === '…')`)
		u.screenshot("editor-list.png")
	}
	u.click("#export-all")
	exported := waitDownload(t, downloads)
	var bundle struct {
		Format    string `json:"format"`
		Workflows []struct {
			ID string `json:"id"`
		} `json:"workflows"`
	}
	if err := json.Unmarshal(exported, &bundle); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, exported)
	}
	ids := map[string]bool{}
	for _, w := range bundle.Workflows {
		ids[w.ID] = true
	}
	if bundle.Format != "hookflow/v1" || !ids[id] || !ids["imported-hook"] {
		t.Errorf("export = format %q, ids %v; want both workflows", bundle.Format, ids)
	}

	// ---- log out; the login link logs back in ------------------------------
	u.click("#logout")
	u.waitPath("/login")
	status, err := chromedp.Run(u.ctx, chromedp.Evaluate[int](`fetch('/api/v1/workflows').then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusUnauthorized {
		t.Errorf("the API after logout answers %d (%v), want 401", status, err)
	}
	u.open("/runs#token=" + b.token)
	u.waitPath("/runs")
	u.waitVisible("#runs-status")
	if h := u.eval(`location.hash`); h != "" {
		t.Errorf("the token stays in the address bar: %q", h)
	}
}

// waitDownload waits for one finished file in dir and returns its content.
func waitDownload(t *testing.T, dir string) []byte {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err == nil && json.Valid(b) {
					return b
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no download within 15s")
	return nil
}

// seedForScreenshots adds workflows and runs so the list looks lived in.
func seedForScreenshots(t *testing.T, b *bundle) {
	t.Helper()
	gh := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "github-pushes", "name": "GitHub pushes to chat",
		"trigger": {"type": "webhook", "methods": ["POST"]},
		"steps": [{"id": "main_only", "type": "filter", "expr": "payload.ref == 'refs/heads/main'"},
		          {"id": "post", "type": "webhook", "url": %q, "retry": {"max_attempts": 1}}]}`, b.recv.URL+"/fail"))
	b.create(`{"format": "hookflow/v1", "id": "nightly-report", "name": "Nightly sales report",
		"trigger": {"type": "cron", "schedule": "0 2 * * *", "timezone": "Europe/Berlin"},
		"steps": [{"id": "shape", "type": "transform", "expr": "{day: now()}"}]}`)
	var runs []string
	for i, ref := range []string{"refs/heads/main", "refs/heads/dev", "refs/heads/main"} {
		runs = append(runs, b.trigger(gh.TriggerURL, map[string]any{"ref": ref, "n": i}))
	}
	for _, id := range runs {
		b.waitRun(id)
	}
}

// TestEditorBrowserWidgets covers the rest of the editor: a schedule with
// its next fire times, every step type, headers, reordering and removing
// steps, trigger auth and the field an error points at, duplicate and
// delete from the list, and the runs page's filters and replay.
func TestEditorBrowserWidgets(t *testing.T) {
	// The login link logs in and leaves no token in the address bar.
	b, u := loggedIn(t)
	if h := u.eval(`location.hash`); h != "" {
		t.Errorf("the token stays in the address bar: %q", h)
	}

	// A scheduled workflow with every kind of step.
	u.click("#new-workflow")
	u.click("#gallery-blank")
	u.typeInto("#wf-name", "Every kind")
	u.fill("#trigger-type", "cron")
	u.fill(`[data-field="trigger.schedule"]`, "*/5 * * * *")
	u.click(`[data-add-step="filter"]`)
	u.fill(`[data-field="steps[0].expr"]`, "true")
	u.click(`[data-add-step="webhook"]`)
	u.fill(`[data-field="steps[1].url"]`, b.recv.URL+"/kinds")
	u.click(`li.step[data-field="steps[1]"] .kv > .btn`)
	u.fill(`li.step[data-field="steps[1]"] [aria-label="Header 1 name"]`, "X-Kind")
	u.fill(`li.step[data-field="steps[1]"] [aria-label="Header 1 value"]`, "{{ payload.kind }}")
	u.click(`[data-add-step="transform"]`)
	u.fill(`[data-field="steps[2].expr"]`, `{kind: payload.kind}`)
	u.click(`[data-add-step="delay"]`)
	u.fill(`[data-field="steps[3].for"]`, "1m")
	u.click(`[data-add-step="respond"]`)
	u.fill(`[data-field="steps[4].status"]`, "201")
	// The transform goes before the webhook; the delay goes away.
	u.click(`[aria-label="Move step 3 up"]`)
	u.click(`[aria-label="Remove step 4"]`)
	u.click("#confirm-ok")
	u.waitJS("four steps", `document.querySelectorAll('li.step').length === 4`)
	u.click("#save")
	u.waitJS("the saved page", `/^\/workflows\/every-kind-/.test(location.pathname)`)
	id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")
	u.waitJS("five next fire times", `document.querySelectorAll('.fires-list li').length === 5`)

	// A sample edited by hand feeds the previews.
	u.click("#edit-sample")
	u.fill("#sample-text", `{"kind": "by hand"}`)
	u.waitText(`[data-preview-for="steps[1].expr"]`, `{"kind":"by hand"}`)
	u.click("#edit-sample")
	u.waitText("#sample-label", "Edited by hand")

	var got struct {
		Definition struct {
			Trigger struct {
				Type     string `json:"type"`
				Schedule string `json:"schedule"`
				Auth     *struct {
					Type, Secret, Header string
				} `json:"auth"`
			} `json:"trigger"`
			Steps []struct {
				ID, Type string
				Headers  map[string]string
				Status   int
			} `json:"steps"`
		} `json:"definition"`
		Enabled bool `json:"enabled"`
		Name    string
	}
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &got)
	var kinds []string
	for _, s := range got.Definition.Steps {
		kinds = append(kinds, s.Type)
	}
	if got.Definition.Trigger.Type != "cron" || got.Definition.Trigger.Schedule != "*/5 * * * *" ||
		strings.Join(kinds, ",") != "filter,transform,webhook,respond" ||
		got.Definition.Steps[2].Headers["X-Kind"] != "{{ payload.kind }}" || got.Definition.Steps[3].Status != 201 {
		t.Errorf("saved definition = %+v", got.Definition)
	}

	// A webhook trigger with HMAC auth; a missing header is refused and
	// pointed at.
	u.fill("#trigger-type", "webhook")
	u.fill(`[data-field="trigger.auth.type"]`, "hmac")
	u.fill(`[data-field="trigger.auth.secret"]`, "{{ secrets.shared }}")
	u.click("#save")
	u.waitText("#save-error", "trigger.auth.header")
	u.waitJS("the header field is marked", `document.querySelector('[data-field="trigger.auth.header"]').getAttribute('aria-invalid') === 'true'`)
	u.fill(`[data-field="trigger.auth.header"]`, "X-Signature")
	u.click("#save")
	u.waitVisible("#trigger-url")
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &got)
	if a := got.Definition.Trigger.Auth; a == nil || a.Type != "hmac" || a.Header != "X-Signature" || a.Secret != "{{ secrets.shared }}" {
		t.Errorf("saved auth = %+v", a)
	}

	// Duplicate makes a disabled copy; delete asks first.
	u.click("a.brand")
	u.click(fmt.Sprintf(`tr[data-workflow="%s"] [aria-label^="Duplicate"]`, id))
	u.waitJS("the copy's page", `/^\/workflows\/every-kind-copy-/.test(location.pathname)`)
	copyID := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")
	b.api(http.MethodGet, "/api/v1/workflows/"+copyID, nil).decode(t, &got)
	if got.Enabled || got.Name != "Every kind (copy)" {
		t.Errorf("copy = %q, enabled %v; want a disabled copy", got.Name, got.Enabled)
	}
	u.click("a.brand")
	u.click(fmt.Sprintf(`tr[data-workflow="%s"] [aria-label^="Delete"]`, copyID))
	u.click("#confirm-ok")
	u.waitJS("the copy is gone", fmt.Sprintf(`!document.querySelector('tr[data-workflow="%s"]') && !!document.querySelector('tr[data-workflow="%s"]')`, copyID, id))
	if r := b.api(http.MethodGet, "/api/v1/workflows/"+copyID, nil); r.status != http.StatusNotFound {
		t.Errorf("deleted copy: GET = %d", r.status)
	}

	// Runs: filter by status, open one, replay it.
	pass := b.create(passDef("pass", b.recv.URL))
	fails := b.create(`{"format": "hookflow/v1", "id": "fails", "name": "Fails", "trigger": {"type": "webhook"},
		"steps": [{"id": "send", "type": "webhook", "url": "` + b.recv.URL + `/fail"}]}`)
	b.waitRun(b.trigger(pass.TriggerURL, map[string]any{"n": 1}))
	failed := b.trigger(fails.TriggerURL, map[string]any{"n": 2})
	b.waitRun(failed)
	u.click(`a[data-nav="runs"]`)
	u.waitVisible(fmt.Sprintf(`tr[data-run="%s"]`, failed))
	u.fill("#runs-status", "failed")
	u.waitJS("only failed runs", `location.search.includes('status=failed') && document.querySelectorAll('tr.run-row').length === 1 && !!document.querySelector('tr.st-row-failed')`)
	u.click(fmt.Sprintf(`tr[data-run="%s"] a[href^="/runs/"]`, failed))
	u.waitText(".attempt", "HTTP 400", "Failed")
	u.click("#replay")
	u.click("#confirm-ok")
	u.waitJS("the replay's page", fmt.Sprintf(`location.pathname.startsWith('/runs/') && location.pathname !== '/runs/%s'`, failed))
	u.waitText(".meta-grid", "Replay of")
}

// TestEditorBrowserNewUser walks what a new user tripped over, one subtest
// each, in one browser.
func TestEditorBrowserNewUser(t *testing.T) {
	b, browser := loggedIn(t)
	browser.acceptLeaving()

	t.Run("a save error goes with its cause", func(t *testing.T) {
		u := browser.in(t)
		u.open("/workflows/new")
		u.typeInto("#wf-name", "First try")
		u.click(`[data-add-step="webhook"]`)
		// An error about the new step's URL goes once the URL is edited, not
		// before.
		u.click("#save")
		u.waitText("#save-error", "steps[0].url")
		u.waitJS("the URL is marked", `document.querySelector('[data-field="steps[0].url"]').getAttribute('aria-invalid') === 'true'`)
		u.fill("#wf-name", "First try again")
		if hidden := u.eval(`String(document.getElementById('save-error').hidden)`); hidden != "false" {
			t.Errorf("editing the name hid the error about steps[0].url")
		}
		u.fill(`[data-field="steps[0].url"]`, b.recv.URL+"/first")
		u.waitJS("the save error is gone once its field is edited", `document.getElementById('save-error').hidden`)
		u.click("#save")
		u.waitJS("the saved page", `/^\/workflows\/first-try-again-/.test(location.pathname)`)
	})

	t.Run("a trigger with auth is not open to anyone", func(t *testing.T) {
		u := browser.in(t)
		b.create(`{"format": "hookflow/v1", "id": "with-token", "name": "With token",
			"trigger": {"type": "webhook", "auth": {"type": "token", "secret": "{{ secrets.hook }}", "header": "X-Token"}},
			"steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`)
		u.open("/workflows/with-token")
		u.waitVisible("#trigger-url")
		urlHelp := `document.querySelector('#trigger-url').closest('.field').querySelector('.help').textContent`
		if help := u.eval(urlHelp); strings.Contains(help, "Anyone") || !strings.Contains(help, "401") {
			t.Errorf("the trigger URL's help with token auth says %q", help)
		}
		b.create(`{"format": "hookflow/v1", "id": "open-hook", "name": "Open hook", "trigger": {"type": "webhook"},
			"steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`)
		u.open("/workflows/open-hook")
		u.waitVisible("#trigger-url")
		if help := u.eval(urlHelp); !strings.Contains(help, "Anyone with this URL") {
			t.Errorf("the trigger URL's help without auth says %q", help)
		}
	})

	t.Run("a delay is not an attempt", func(t *testing.T) {
		u := browser.in(t)
		waits := b.create(`{"format": "hookflow/v1", "id": "waits", "name": "Waits", "trigger": {"type": "webhook"},
			"steps": [{"id": "pause", "type": "delay", "for": "1s"}, {"id": "t", "type": "transform", "expr": "payload"}]}`)
		runID := b.trigger(waits.TriggerURL, map[string]any{"n": 1})
		if done := b.waitRun(runID); done.Run.Status != "succeeded" {
			t.Fatalf("run = %s (%s)", done.Run.Status, done.Run.Error)
		}
		var claims struct {
			Run struct {
				Attempt int `json:"attempt"`
			} `json:"run"`
		}
		b.api(http.MethodGet, "/api/v1/runs/"+runID, nil).decode(t, &claims)
		if claims.Run.Attempt != 2 {
			t.Fatalf("the run was claimed %d times, want 2 (before and after its delay)", claims.Run.Attempt)
		}
		u.open("/runs/" + runID)
		u.waitText(".meta-grid", "Retries")
		if meta := u.eval(`document.querySelector('.meta-grid').textContent`); strings.Contains(meta, "Claims") || !strings.Contains(meta, "Retriesnone") {
			t.Errorf("run page details = %q, want no claims and no retries", meta)
		}
		u.open("/runs?workflow=waits")
		u.waitVisible(fmt.Sprintf(`tr[data-run="%s"]`, runID))
		if cells := u.eval(fmt.Sprintf(`[...document.querySelectorAll('tr[data-run="%s"] td')].map(td => td.textContent).join('|')`, runID)); strings.Contains("|"+cells+"|", "|2|") {
			t.Errorf("the runs list counts the delay as a second attempt: %s", cells)
		}
	})

	t.Run("a schedule gets a schedule's sample", func(t *testing.T) {
		u := browser.in(t)
		b.create(`{"format": "hookflow/v1", "id": "nightly", "name": "Nightly",
			"trigger": {"type": "cron", "schedule": "0 2 * * *", "timezone": "Europe/Berlin"},
			"steps": [{"id": "when", "type": "transform", "expr": "payload.schedule"}]}`)
		u.open("/workflows/nightly")
		u.waitText(".sample-view", "scheduled_at", "local_time")
		u.waitText(`[data-preview-for="steps[0].expr"]`, "0 2 * * *")
		if panel := u.eval(`document.querySelector('.sample').textContent`); u.eval(`String(!!document.querySelector('#listen'))`) != "false" ||
			strings.Contains(panel, "request") {
			t.Errorf("a schedule's sample panel offers to capture a request: %s", panel)
		}
		// Switching a new workflow to a schedule and back switches the example
		// (last: it leaves the new workflow with unsaved edits).
		u.open("/workflows/new")
		u.waitText(".sample-view", "ord_1001")
		u.waitVisible("#listen")
		u.fill("#trigger-type", "cron")
		u.waitText(".sample-view", "scheduled_at")
		u.waitJS("no listen button", `!document.querySelector('#listen')`)
		u.fill("#trigger-type", "webhook")
		u.waitText(".sample-view", "ord_1001")
	})
}

// roundTripDefs use every field of every step, trigger and auth kind, with
// every HTTP method the server takes somewhere.
var roundTripDefs = []string{
	`{"format": "hookflow/v1", "id": "every-field", "name": "Every field", "enabled": true,
	  "trigger": {"type": "webhook", "methods": ["HEAD", "POST", "OPTIONS"],
	    "auth": {"type": "hmac", "secret": "{{ secrets.shared }}", "header": "X-Signature", "algorithm": "sha512", "encoding": "base64", "prefix": "sha512="},
	    "idempotency_key": "trigger.headers['x-delivery']",
	    "response": {"mode": "sync", "timeout": "5s"},
	    "allow_ips": ["127.0.0.1", "192.0.2.0/24"],
	    "rate_limit": {"per_second": 2.5, "burst": 10},
	    "schema": {"type": "object", "required": ["id"]}},
	  "steps": [
	    {"id": "paid", "type": "filter", "when": "payload.id != ''", "expr": "payload.status == 'paid'"},
	    {"id": "big", "type": "filter", "when": {"all": [{"field": "payload.id", "op": "exists"}]},
	     "match": {"all": [{"field": "payload.amount", "op": "gt", "value": 100},
	               {"any": [{"field": "payload.vip", "op": "is_true"}, {"field": "payload.tags", "op": "contains", "value": "rush"}]}]}},
	    {"id": "paid_too", "type": "filter", "match": "payload.status == 'paid'"},
	    {"id": "shape", "type": "transform", "expr": "{order: payload.id}"},
	    {"id": "fields", "type": "transform", "set": {"order": "{{ payload.order }}", "customer.email": "{{ payload.email }}"}, "keep": true},
	    {"id": "ask", "type": "webhook", "method": "OPTIONS", "url": "https://api.example.com/orders/{{ payload.order }}",
	     "headers": {"X-Source": "hookflow", "X-Order": "{{ payload.order }}"}, "body": "{order: payload.order}",
	     "timeout": "10s", "sign": {"secret": "{{ secrets.sign }}"}, "retry": {"max_attempts": 3, "initial": "1s", "max": "1m"}},
	    {"id": "peek", "type": "webhook", "method": "HEAD", "url": "https://api.example.com/ping"},
	    {"id": "post", "type": "webhook", "url": "https://api.example.com/orders", "body": {"id": "{{ payload.order }}"}},
	    {"id": "later", "type": "delay", "for": "15m"},
	    {"id": "until", "type": "delay", "until": "now()"},
	    {"id": "answer", "type": "respond", "status": 201, "headers": {"X-Done": "yes"}, "body": "{ok: true}"}],
	  "vars": {"base": "https://api.example.com", "n": 2},
	  "on_failure": "nightly-report",
	  "concurrency": 3}`,
	`{"format": "hookflow/v1", "id": "token-auth", "name": "Token auth", "enabled": false,
	  "trigger": {"type": "webhook", "methods": ["GET", "PUT", "PATCH", "DELETE"],
	    "auth": {"type": "token", "secret": "{{ secrets.token }}", "header": "X-Token", "query": "token"},
	    "response": {"mode": "async"}},
	  "steps": [{"id": "shape", "type": "transform", "expr": "payload"}]}`,
	`{"format": "hookflow/v1", "id": "basic-auth", "name": "Basic auth",
	  "trigger": {"type": "webhook", "auth": {"type": "basic", "username": "shop", "secret": "{{ secrets.password }}"}},
	  "steps": [{"id": "shape", "type": "transform", "expr": "payload"}]}`,
	`{"format": "hookflow/v1", "id": "nightly-report", "name": "Nightly report",
	  "trigger": {"type": "cron", "schedule": "0 2 * * *", "timezone": "Europe/Berlin"},
	  "steps": [{"id": "shape", "type": "transform", "expr": "payload.scheduled_at"}]}`,
	`{"format": "hookflow/v1", "id": "by-hand", "name": "By hand", "trigger": {"type": "manual"},
	  "steps": [{"id": "shape", "type": "transform", "expr": "payload"}]}`,
	`{"format": "hookflow/v1", "id": "loops-and-paths", "name": "Loops and paths", "trigger": {"type": "webhook"},
	  "steps": [
	    {"id": "each_line", "type": "for_each", "items": "payload.lines", "concurrency": 4, "max_items": 500, "on_item_failure": "continue",
	     "steps": [{"id": "send", "type": "webhook", "url": "https://erp.example/lines/{{ index }}", "body": "item"}]},
	    {"id": "route", "type": "paths", "mode": "all", "paths": [
	      {"name": "big", "when": {"field": "payload.amount", "op": "gt", "value": 100},
	       "steps": [{"id": "each_big", "type": "for_each", "items": "payload.lines", "steps": [{"id": "alert", "type": "transform", "expr": "item"}]}]},
	      {"name": "rest", "when": "payload.amount <= 100", "steps": [{"id": "tag", "type": "transform", "set": {"size": "small"}}]},
	      {"name": "always", "steps": [{"id": "log", "type": "webhook", "url": "https://log.example/in"}]}]}]}`,
}

// TestEditorBrowserRoundTrip opens stored workflows that use every field of
// every kind and saves them without an edit: each definition stays as it
// was, and no revision is made. Checking a method and unchecking it again
// keeps the methods the editor once dropped (HEAD, OPTIONS).
func TestEditorBrowserRoundTrip(t *testing.T) {
	b, u := loggedIn(t)

	type stored struct {
		Revision   int             `json:"revision"`
		Definition json.RawMessage `json:"definition"`
	}
	read := func(id string) stored {
		var s stored
		b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &s)
		return s
	}
	saved := `/No changes to save|Saved revision/.test(document.getElementById('toast').textContent) || !document.getElementById('save-error').hidden`
	for i := len(roundTripDefs) - 1; i >= 0; i-- { // on_failure names a workflow made after it
		b.create(roundTripDefs[i])
	}
	for _, def := range roundTripDefs {
		var head struct{ ID string }
		if err := json.Unmarshal([]byte(def), &head); err != nil {
			t.Fatal(err)
		}
		before := read(head.ID)
		u.open("/workflows/" + head.ID)
		u.waitJS("the editor of "+head.ID, `!!document.querySelector('#trigger-type') && !!document.querySelector('li.step')`)
		u.eval(`document.getElementById('toast').textContent = '', 'ok'`)
		u.click("#save")
		u.waitJS("the save is answered", saved)
		after := read(head.ID)
		if after.Revision != before.Revision || string(after.Definition) != string(before.Definition) {
			t.Errorf("%s after a save without edits: revision %d -> %d\nbefore %s\nafter  %s",
				head.ID, before.Revision, after.Revision, before.Definition, after.Definition)
		}
	}

	u.open("/workflows/every-field")
	method := func(m string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('[data-field="trigger.methods"] label')].find(l => l.textContent.trim() === %s)?.querySelector('input')`, jsString(m))
	}
	u.waitVisible(`[data-field="trigger.methods"]`)
	// Rules show as rules, an expression as one; so does a body
	// given as an expression, not as fields.
	rule := func(path string) string {
		return u.eval(fmt.Sprintf(`document.querySelector('[data-field="steps[1].match.%s"]')?.value ?? 'missing'`, path))
	}
	if f, op, v, nested := rule("all[0].field"), rule("all[0].op"), rule("all[0].value"), rule("all[1].any[1].value"); f != "payload.amount" || op != "gt" || v != "100" || nested != "rush" {
		t.Errorf("a filter's rules show as field %q, op %q, value %q, and in the group %q", f, op, v, nested)
	}
	if v := u.eval(`document.querySelector('textarea[data-field="steps[2].match"]')?.value ?? 'no text area'`); v != "payload.status == 'paid'" {
		t.Errorf("a condition given as an expression shows as %q", v)
	}
	if v := u.eval(`document.querySelector('textarea[data-field="steps[5].body"]')?.value ?? 'no text area'`); v != "{order: payload.order}" {
		t.Errorf("a body given as an expression shows as %q", v)
	}
	for _, m := range []string{"HEAD", "OPTIONS", "POST"} {
		if u.eval(fmt.Sprintf(`String(!!(%s || {}).checked)`, method(m))) != "true" {
			t.Errorf("method %s is not shown checked", m)
		}
	}
	u.eval(method("GET") + `.click(), 'ok'`)
	u.eval(method("GET") + `.click(), 'ok'`)
	u.eval(`document.getElementById('toast').textContent = '', 'ok'`)
	u.click("#save")
	u.waitJS("the save is answered", saved)
	var got struct {
		Definition struct {
			Trigger struct {
				Methods []string `json:"methods"`
			} `json:"trigger"`
		} `json:"definition"`
	}
	b.api(http.MethodGet, "/api/v1/workflows/every-field", nil).decode(t, &got)
	if strings.Join(got.Definition.Trigger.Methods, ",") != "HEAD,POST,OPTIONS" {
		t.Errorf("methods after checking GET on and off = %v, want HEAD, POST, OPTIONS", got.Definition.Trigger.Methods)
	}
}

// formSetup draws, on an empty page of the editor, a form of one made-up
// kind that has a field of every kind of value, the way the editor draws a
// step's: the kinds of value no kind of the server uses yet (mapping,
// boolean, nested steps) are tested here. window.form holds the value
// edited, the edits reported and the errors found before saving.
const formSetup = `(async () => {
  const forms = await import('/assets/js/forms/index.js');
  await import('/assets/js/editor/step-list.js'); // the widget of nested steps
  const { loadKinds } = await import('/assets/js/kinds.js');
  const kinds = await loadKinds();
  const value = {
    name: "n", url: "https://example.com/{{ payload.id }}", expr: "payload", cond: "true",
    map: {total: "{{ payload.amount }}"}, mapx: "payload", secret: "{{ secrets.x }}", wait: "30s", n: 3, flag: true,
    pick: "b", picks: ["b", "zzz"], ips: ["192.0.2.1"], obj: {mode: "a", extra: "e"},
    headers: {"X-A": "1"}, auth: {type: "token", secret: "{{ secrets.t }}"}, schema: {type: "object"},
    inner: [{id: "s", type: "transform", expr: "payload"}]};
  const fields = [
    {name: "name", label: "Name", kind: "text"},
    {name: "url", label: "URL", kind: "template"},
    {name: "expr", label: "Expr", kind: "expression"},
    {name: "cond", label: "Cond", kind: "condition"},
    {name: "map", label: "Map", kind: "mapping"},
    {name: "mapx", label: "Map given as an expression", kind: "mapping"},
    {name: "secret", label: "Secret", kind: "secret"},
    {name: "wait", label: "Wait", kind: "duration"},
    {name: "n", label: "N", kind: "number"},
    {name: "flag", label: "Flag", kind: "boolean"},
    {name: "pick", label: "Pick", kind: "select", default: "a", options: [{value: "a", label: "A"}, {value: "b", label: "B"}]},
    {name: "picks", label: "Picks", kind: "list", item: {name: "p", label: "P", kind: "select", options: [{value: "a", label: "A"}, {value: "b", label: "B"}]}},
    {name: "ips", label: "IPs", kind: "list", item: {name: "ip", label: "IP", kind: "text"}},
    {name: "obj", label: "Obj", kind: "object", fields: [
      {name: "mode", label: "Mode", kind: "select", required: true, default: "a", options: [{value: "a", label: "A"}, {value: "b", label: "B"}]},
      {name: "extra", label: "Extra", kind: "text"}]},
    {name: "headers", label: "Headers", kind: "headers"},
    {name: "auth", label: "Auth", kind: "auth"},
    {name: "schema", label: "Schema", kind: "json"},
    {name: "inner", label: "Inner steps", kind: "steps"},
    {name: "odd", label: "A kind of value this editor does not know", kind: "no-such-kind"}];
  const before = JSON.stringify(value);
  const errors = new Map();
  const edits = [];
  const host = {
    kinds,
    changed: (path) => edits.push(path),
    addPreview: () => {},
    setLocalError: (el, msg) => { if (msg) errors.set(el.dataset.field, msg); else errors.delete(el.dataset.field); },
    secretNames: async () => ["x", "y"],
  };
  const box = document.createElement('div');
  box.id = 'form-under-test';
  box.append(forms.renderFields(fields, value, 'k', host, 0));
  const main = document.getElementById('main');
  main.replaceChildren(box);
  window.form = {value, before, edits, errors: () => Object.fromEntries(errors)};
  return JSON.stringify(value) === before ? 'untouched' : 'changed by drawing';
})()`

// TestEditorBrowserFormWidgets edits a form with a field of every kind of
// value and reads back the object it made.
func TestEditorBrowserFormWidgets(t *testing.T) {
	_, u := loggedIn(t)
	if got, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](formSetup, chromedp.EvalAwaitPromise)); err != nil || got != "untouched" {
		t.Fatalf("drawing the form: %q, %v", got, err)
	}
	value := func() map[string]any {
		var v map[string]any
		if err := json.Unmarshal([]byte(u.eval(`JSON.stringify(window.form.value)`)), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	field := func(path string) string { return fmt.Sprintf(`#form-under-test [data-field=%q]`, path) }

	// Emptied, a field is left out; a number is a number.
	u.fill(field("k.name"), "")
	u.fill(field("k.n"), "4.5")
	// The default of a select that may be left out is left out.
	u.fill(field("k.pick"), "a")
	// A checkbox at its default is left out.
	u.click(field("k.flag"))
	// A duration Go cannot read is held back, with its message.
	u.fill(field("k.wait"), "soon")
	u.waitText("#form-under-test", "is not a duration")
	if e := u.eval(`window.form.errors()["k.wait"] || ''`); !strings.Contains(e, "duration") {
		t.Errorf("a bad duration is not held back: %q", e)
	}
	u.fill(field("k.wait"), "1h30m")
	if e := u.eval(`window.form.errors()["k.wait"] || ''`); e != "" {
		t.Errorf("a good duration is held back: %q", e)
	}
	// So is JSON that does not parse.
	u.fill(field("k.schema"), `{"type": `)
	if e := u.eval(`window.form.errors()["k.schema"] || ''`); !strings.Contains(e, "not valid JSON") {
		t.Errorf("bad JSON is not held back: %q", e)
	}
	u.fill(field("k.schema"), `{"type": "string"}`)
	// A mapping row, and a list row.
	u.click(`#form-under-test [data-field="k.map"] > .btn`)
	u.fill(`#form-under-test [aria-label="Field 2 name"]`, "who")
	u.fill(`#form-under-test [aria-label="Field 2 value"]`, "{{ payload.customer }}")
	// A mapping given as an expression shows as one; swapped, it is fields.
	if v := u.eval(`document.querySelector('#form-under-test textarea[data-field="k.mapx"]').value`); v != "payload" {
		t.Errorf("a mapping given as an expression shows %q", v)
	}
	u.click(`#form-under-test .mapping:has([data-field="k.mapx"]) > .swap`)
	u.click("#confirm-ok")
	u.click(`#form-under-test [data-field="k.mapx"] > .btn`)
	u.fill(`#form-under-test [data-field="k.mapx"] [aria-label="Field 1 name"]`, "a")
	u.fill(`#form-under-test [data-field="k.mapx"] [aria-label="Field 1 value"]`, "1")
	u.click(`#form-under-test [data-field="k.ips"] > .btn`)
	u.fill(`#form-under-test [aria-label="IP 2"]`, "198.51.100.0/24")
	// Checkboxes of options keep a value the options do not have.
	u.click(`#form-under-test [data-field="k.picks"] input[value="a"]`)
	// An object emptied is left out; its first field set again brings its
	// required default.
	u.fill(field("k.obj.extra"), "")
	u.fill(field("k.obj.mode"), "b")
	u.fill(field("k.obj.mode"), "a")
	// Auth: another kind keeps the fields it has too.
	u.fill(field("k.auth.type"), "github")
	// Nested steps: one more, of another kind.
	u.click(`#form-under-test [data-add-nested-step="filter"]`)
	u.fill(field("k.inner[1].expr"), "payload.ok")

	want := map[string]any{
		"url": "https://example.com/{{ payload.id }}", "expr": "payload", "cond": "true",
		"map":    map[string]any{"total": "{{ payload.amount }}", "who": "{{ payload.customer }}"},
		"mapx":   map[string]any{"a": "1"},
		"secret": "{{ secrets.x }}", "wait": "1h30m", "n": 4.5,
		"picks": []any{"a", "b", "zzz"}, "ips": []any{"192.0.2.1", "198.51.100.0/24"},
		"obj": map[string]any{"mode": "a"}, "headers": map[string]any{"X-A": "1"},
		"auth":   map[string]any{"type": "github", "secret": "{{ secrets.t }}"},
		"schema": map[string]any{"type": "string"},
		"inner": []any{map[string]any{"id": "s", "type": "transform", "expr": "payload"},
			map[string]any{"id": "filter", "type": "filter", "expr": "payload.ok"}},
	}
	got := value()
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("the form made\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	if edits := u.eval(`String(window.form.edits.includes('k.inner') && window.form.edits.includes('k.auth'))`); edits != "true" {
		t.Errorf("edits reported: %s", u.eval(`JSON.stringify(window.form.edits)`))
	}
}
