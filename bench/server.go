package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ServerConfig says how to start the child server.
type ServerConfig struct {
	// Executable is the hookflow binary.
	Executable string
	// DB is the --db the server gets: a SQLite path or a postgres:// URL.
	DB string
	// Workers, when above zero, is passed as --workers.
	Workers int
	// Token is the admin token, passed as HOOKFLOW_ADMIN_TOKEN.
	Token string
	// SecretKey, when set, is passed as HOOKFLOW_SECRET_KEY (a server on
	// a database URL needs one).
	SecretKey string
	// CPUProfile, when set, asks the server for a CPU profile written to
	// this file at shutdown (HOOKFLOW_CPUPROFILE).
	CPUProfile string
	// MemProfile, when set, asks the server for a heap profile written to
	// this file at its largest live heap (HOOKFLOW_MEMPROFILE).
	MemProfile string
	// Log receives the server's output.
	Log *os.File
	// ReadyTimeout bounds the wait for /readyz (default 30s).
	ReadyTimeout time.Duration
	// Baseline starts the bare comparison server (bench baseline-server)
	// instead of hookflow serve; DB, Workers and Token are then unused.
	Baseline bool
}

// Server is a hookflow server running as a child process on 127.0.0.1.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Startup is the time from starting the process to its first ready
	// answer from /readyz.
	Startup time.Duration

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error

	mu         sync.Mutex
	sampledRSS int64
	stopSample chan struct{}
	sampleDone chan struct{}
}

// StartServer starts `hookflow serve` on a free port of 127.0.0.1, its
// egress guard open to 127.0.0.1 (where the receiver is), and waits until
// it is ready. The child sees no HOOKFLOW_ variable but those set here, so
// the bench measures what its flags say.
func StartServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{"bench", "baseline-server", "--addr", addr}
	if !cfg.Baseline {
		// Every connection of the load comes from 127.0.0.1: no per-address cap.
		args = []string{"serve", "--addr", addr, "--db", cfg.DB, "--egress-allow", "127.0.0.1", "--max-conns-per-ip", "0"}
		if cfg.Workers > 0 {
			args = append(args, "--workers", strconv.Itoa(cfg.Workers))
		}
	}
	cmd := exec.Command(cfg.Executable, args...)
	cmd.Env = childEnv("HOOKFLOW_ADMIN_TOKEN="+cfg.Token, "HOOKFLOW_CPUPROFILE="+cfg.CPUProfile, "HOOKFLOW_MEMPROFILE="+cfg.MemProfile, "HOOKFLOW_SECRET_KEY="+cfg.SecretKey)
	cmd.Stdout, cmd.Stderr = cfg.Log, cfg.Log
	cmd.SysProcAttr = childAttr()
	s := &Server{URL: "http://" + addr, cmd: cmd, exited: make(chan struct{})}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server %s: %w", cfg.Executable, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	timeout := cfg.ReadyTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if err := s.waitReady(ctx, start, timeout); err != nil {
		_ = s.Stop(5 * time.Second)
		return nil, err
	}
	s.Startup = time.Since(start)
	s.stopSample, s.sampleDone = make(chan struct{}), make(chan struct{})
	go s.sample()
	return s, nil
}

// childEnv is this process's environment without HOOKFLOW_ variables, plus
// extra ones whose value is not empty.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOOKFLOW_") {
			env = append(env, kv)
		}
	}
	for _, kv := range extra {
		if _, v, _ := strings.Cut(kv, "="); v != "" {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls /readyz until it answers 200.
func (s *Server) waitReady(ctx context.Context, start time.Time, timeout time.Duration) error {
	hc := &http.Client{Timeout: time.Second}
	defer hc.CloseIdleConnections()
	deadline := start.Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited before it was ready (%v)", s.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server was not ready after %v", timeout)
		}
	}
}

// sample records the largest RSS seen, every 100ms.
func (s *Server) sample() {
	defer close(s.sampleDone)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if ps, err := readProc(s.cmd.Process.Pid); err == nil {
			s.mu.Lock()
			s.sampledRSS = max(s.sampledRSS, ps.RSS)
			s.mu.Unlock()
		}
		select {
		case <-s.stopSample:
			return
		case <-t.C:
		}
	}
}

// Stats reads the server's CPU time so far and its peak RSS, the larger of
// the kernel's high-water mark and the samples taken.
func (s *Server) Stats() (procSample, error) {
	ps, err := readProc(s.cmd.Process.Pid)
	if err != nil {
		return ps, err
	}
	s.mu.Lock()
	ps.PeakRSS = max(ps.PeakRSS, ps.RSS, s.sampledRSS)
	s.mu.Unlock()
	return ps, nil
}

// Exited reports whether the server process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// Stop asks the server to shut down (SIGTERM) and kills it (SIGKILL) if it
// has not exited within timeout.
func (s *Server) Stop(timeout time.Duration) error {
	if s.stopSample != nil {
		close(s.stopSample)
		<-s.sampleDone
		s.stopSample = nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("the server did not stop within %v of SIGTERM; killed", timeout)
	}
}

// logTail returns the last n lines of a log file, for error messages.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
