package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// listeningPrefix starts the line serve prints once it listens.
const listeningPrefix = "Hookflow is listening on "

// testToken is the admin token the tests give the server.
const testToken = "hf_e2e-admin-token-0123456789"

// serverOptions says how to start "hookflow serve".
type serverOptions struct {
	// DB is the SQLite file (default: a new file in t.TempDir()).
	DB string
	// NoToken starts the server without HOOKFLOW_ADMIN_TOKEN.
	NoToken bool
	// Args are extra flags.
	Args []string
	// Client talks to the server (default: plain HTTP); TLS tests give
	// one that trusts their certificate.
	Client *http.Client
}

// server is one "hookflow serve" child process.
type server struct {
	t      *testing.T
	opts   serverOptions
	cmd    *exec.Cmd
	log    *outputLog
	exited chan struct{} // closed once the process has exited
	// URL is the base URL the server said it listens on.
	URL string
	// Token is the admin token (testToken unless NoToken).
	Token  string
	client *http.Client
}

// startServer starts hookflow serve on 127.0.0.1 with a free port, its
// outbound webhooks allowed to reach 127.0.0.1, and waits until /readyz
// answers. The process is killed when the test ends, and its log shown
// if the test failed.
func startServer(t *testing.T, opts serverOptions) *server {
	t.Helper()
	if opts.DB == "" {
		opts.DB = filepath.Join(t.TempDir(), "hookflow.db")
	}
	s := &server{t: t, opts: opts, log: newOutputLog(), exited: make(chan struct{}), client: opts.Client}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", opts.DB, "--egress-allow", "127.0.0.1"}, opts.Args...)
	var env []string
	if !opts.NoToken {
		s.Token = testToken
		env = append(env, "HOOKFLOW_ADMIN_TOKEN="+testToken)
	}
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env = childEnv(env...)
	s.cmd.Dir = filepath.Dir(opts.DB)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start hookflow serve: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.signal(syscall.SIGKILL)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			t.Errorf("hookflow serve (pid %d) did not die after SIGKILL", s.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("hookflow serve %s output:\n%s", strings.Join(args[1:], " "), s.log.String())
		}
	})

	select {
	case u := <-s.log.listening:
		s.URL = u
	case <-s.exited:
		t.Fatalf("hookflow serve exited before listening: %v\n%s", s.cmd.ProcessState, s.log.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("hookflow serve did not print %q within 20s:\n%s", listeningPrefix, s.log.String())
	}
	s.waitReady()
	return s
}

// waitReady waits until GET /readyz answers 200.
func (s *server) waitReady() {
	s.t.Helper()
	waitFor(s.t, 15*time.Second, "GET /readyz to answer 200", func() (bool, string) {
		resp, err := s.client.Get(s.URL + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// signal sends sig to the process unless it has exited.
func (s *server) signal(sig syscall.Signal) {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(sig)
	}
}

// wait waits up to timeout for the process to exit and returns its exit
// code (-1 when killed by a signal).
func (s *server) wait(timeout time.Duration) int {
	s.t.Helper()
	select {
	case <-s.exited:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		s.t.Fatalf("hookflow serve did not exit within %v", timeout)
		return 0
	}
}

// stop sends SIGTERM and returns the exit code; the process must be gone
// within 25s (the server allows itself 20s to finish runs in flight).
func (s *server) stop() int {
	s.t.Helper()
	s.signal(syscall.SIGTERM)
	return s.wait(25 * time.Second)
}

// kill sends SIGKILL: the process dies at once, whatever it was doing.
func (s *server) kill() {
	s.t.Helper()
	s.signal(syscall.SIGKILL)
	s.wait(10 * time.Second)
}

// output is everything the process printed so far.
func (s *server) output() string { return s.log.String() }

// do sends an admin API request with the admin token; body, when not nil,
// is sent as JSON (or as is when it is a []byte). The answer's JSON is
// decoded into out when out is not nil. It returns the status code.
func (s *server) do(method, path string, body, out any) int {
	s.t.Helper()
	return s.doAs(s.Token, method, path, body, out)
}

// doAs is do with the given admin token ("" for none).
func (s *server) doAs(token, method, path string, body, out any) int {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatalf("encode request body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read answer: %v", method, path, err)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: %s: decode %q: %v", method, path, resp.Status, data, err)
		}
	}
	return resp.StatusCode
}

// workflowView is the part of GET /api/v1/workflows/{id} the tests read.
type workflowView struct {
	ID         string `json:"id"`
	TriggerURL string `json:"trigger_url"`
}

// createWorkflow stores a definition through the API.
func (s *server) createWorkflow(def string) workflowView {
	s.t.Helper()
	var w workflowView
	if code := s.do("POST", "/api/v1/workflows", []byte(def), &w); code != http.StatusCreated {
		s.t.Fatalf("POST /api/v1/workflows = %d, want 201", code)
	}
	return w
}

// hookPath is the path of a workflow's trigger URL (its key stays the
// same across restarts; the port does not).
func (s *server) hookPath(id string) string {
	s.t.Helper()
	var w workflowView
	if code := s.do("GET", "/api/v1/workflows/"+id, nil, &w); code != http.StatusOK {
		s.t.Fatalf("GET /api/v1/workflows/%s = %d", id, code)
	}
	u, err := url.Parse(w.TriggerURL)
	if err != nil || !strings.HasPrefix(u.Path, "/hooks/") {
		s.t.Fatalf("workflow %s: trigger_url %q is not a /hooks/ URL", id, w.TriggerURL)
	}
	return u.Path
}

// trigger posts a JSON event to a trigger path and returns the status and
// the run id of the answer.
func (s *server) trigger(path string, payload []byte) (int, string, error) {
	resp, err := s.client.Post(s.URL+path, "application/json", bytes.NewReader(payload))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var out struct {
		RunID string `json:"run_id"`
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "", err
	}
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out.RunID, nil
}

// triggerAll posts every payload (concurrently, 16 at a time) and fails
// the test unless each is answered 202 with a run id; it returns the run
// ids in payload order.
func (s *server) triggerAll(path string, payloads [][]byte) []string {
	s.t.Helper()
	ids := make([]string, len(payloads))
	errs := make([]string, len(payloads))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				code, id, err := s.trigger(path, payloads[i])
				switch {
				case err != nil:
					errs[i] = err.Error()
				case code != http.StatusAccepted || id == "":
					errs[i] = fmt.Sprintf("status %d, run id %q", code, id)
				default:
					ids[i] = id
				}
			}
		}()
	}
	for i := range payloads {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			s.t.Fatalf("event %d: want 202 with a run id, got %s", i, e)
		}
	}
	return ids
}

// runView is a run as GET /api/v1/runs shows it.
type runView struct {
	ID       string `json:"id"`
	Workflow string `json:"workflow"`
	Status   string `json:"status"`
	Error    string `json:"error"`
}

// stepView is one step attempt of GET /api/v1/runs/{id}.
type stepView struct {
	Step       string          `json:"step"`
	Attempt    int             `json:"attempt"`
	Status     string          `json:"status"`
	Input      json.RawMessage `json:"input"`
	Output     json.RawMessage `json:"output"`
	Error      string          `json:"error"`
	StatusCode int             `json:"status_code"`
}

// runDetail is GET /api/v1/runs/{id}.
type runDetail struct {
	Run   runView    `json:"run"`
	Steps []stepView `json:"steps"`
}

// runs lists a workflow's runs, every page of them.
func (s *server) runs(workflow string) []runView {
	s.t.Helper()
	var all []runView
	cursor := ""
	for {
		var out struct {
			Runs       []runView `json:"runs"`
			NextCursor string    `json:"next_cursor"`
		}
		path := "/api/v1/runs?limit=1000&workflow=" + url.QueryEscape(workflow) + "&cursor=" + url.QueryEscape(cursor)
		if code := s.do("GET", path, nil, &out); code != http.StatusOK {
			s.t.Fatalf("GET /api/v1/runs = %d", code)
		}
		all = append(all, out.Runs...)
		if out.NextCursor == "" || len(out.Runs) == 0 {
			return all
		}
		cursor = out.NextCursor
	}
}

// run reads one run with its step attempts.
func (s *server) run(id string) runDetail {
	s.t.Helper()
	var out runDetail
	if code := s.do("GET", "/api/v1/runs/"+id, nil, &out); code != http.StatusOK {
		s.t.Fatalf("GET /api/v1/runs/%s = %d", id, code)
	}
	return out
}

// statusCounts counts runs by status.
func statusCounts(runs []runView) map[string]int {
	n := map[string]int{}
	for _, r := range runs {
		n[r.Status]++
	}
	return n
}

// waitRuns waits until the workflow has want runs, all finished, and
// returns them.
func (s *server) waitRuns(workflow string, want int, timeout time.Duration) []runView {
	s.t.Helper()
	var runs []runView
	waitFor(s.t, timeout, fmt.Sprintf("%d finished runs of %s", want, workflow), func() (bool, string) {
		runs = s.runs(workflow)
		n := statusCounts(runs)
		done := n["succeeded"] + n["filtered"] + n["failed"] + n["cancelled"]
		return len(runs) == want && done == want, fmt.Sprint(n)
	})
	return runs
}

// outputLog keeps a process's output, and reports the URL of the first
// "Hookflow is listening on URL" line on listening.
type outputLog struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	partial   []byte
	seen      bool
	listening chan string
}

func newOutputLog() *outputLog { return &outputLog{listening: make(chan string, 1)} }

// Write implements io.Writer for the child's stdout and stderr.
func (l *outputLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if l.seen {
		return len(p), nil
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), listeningPrefix); ok {
			l.seen = true
			l.partial = nil
			l.listening <- u
			break
		}
	}
	return len(p), nil
}

// String is everything written so far.
func (l *outputLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
