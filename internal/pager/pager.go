// Package pager shows long output on a terminal through a pager, by git's
// convention: $TRAILSLEUTH_PAGER, else $PAGER, else less, run by the
// shell; LESS=FRX when LESS is unset (quit when the text fits on one
// screen, pass colours through, leave the text on screen on quitting), so
// short output prints as if no pager ran. A pager of "" or "cat" means
// none. The caller decides when: only when writing to a terminal.
package pager

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
)

// Pager is a running pager; write the output to it, then Close.
type Pager struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	mu   sync.Mutex
	quit bool // the pager exited (the reader quit): further output is dropped
}

// Command returns the pager command line the environment asks for, "" for
// none.
func Command(env []string) string {
	cmd := "less"
	if v, ok := lookup(env, "PAGER"); ok {
		cmd = v
	}
	if v, ok := lookup(env, "TRAILSLEUTH_PAGER"); ok {
		cmd = v
	}
	if cmd = strings.TrimSpace(cmd); cmd == "cat" {
		return ""
	}
	return cmd
}

func lookup(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- { // the last definition wins, as in os/exec
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// Start runs the pager the environment names, writing to out and errOut.
// It returns nil and no error when no pager is asked for (write to out
// directly then).
func Start(out, errOut io.Writer, env []string) (*Pager, error) {
	line := Command(env)
	if line == "" {
		return nil, nil
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.Env = env
	if _, ok := lookup(env, "LESS"); !ok {
		cmd.Env = append(append([]string(nil), env...), "LESS=FRX")
	}
	if _, ok := lookup(env, "LV"); !ok {
		cmd.Env = append(cmd.Env, "LV=-c")
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("starting the pager %q: %w", line, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the pager %q: %w", line, err)
	}
	return &Pager{cmd: cmd, in: in}, nil
}

// Write feeds the pager. Once the reader has quit it, the rest of the
// output is dropped without error: quitting is the reader's choice.
func (p *Pager) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quit {
		return len(b), nil
	}
	n, err := p.in.Write(b)
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe) {
		p.quit = true
		return len(b), nil
	}
	return n, err
}

// Close ends the output and waits for the reader to quit the pager.
func (p *Pager) Close() error {
	cerr := p.in.Close()
	if err := p.cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) { // a pager's own exit status is the reader's business
			return fmt.Errorf("waiting for the pager: %w", err)
		}
	}
	if cerr != nil && !errors.Is(cerr, syscall.EPIPE) && !errors.Is(cerr, io.ErrClosedPipe) {
		return fmt.Errorf("closing the pager's input: %w", cerr)
	}
	return nil
}
