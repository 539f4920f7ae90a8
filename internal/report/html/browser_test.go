package html_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// chromium is where Debian's chromium package installs the browser
// (.ci/run installs it); TRAILSLEUTH_CHROMIUM overrides it.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("TRAILSLEUTH_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("browser test skipped: no Chromium at %s (apt-get install chromium, or set TRAILSLEUTH_CHROMIUM): %v", path, err)
	}
	return path
}

// browserPage is one headless Chromium tab with the network off. It records
// everything that would mean the page misbehaved: console errors, uncaught
// exceptions, dialogs (an injected alert) and requests to anything but a file.
type browserPage struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func (p *browserPage) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// checkClean fails the test for every problem recorded so far.
func (p *browserPage) checkClean(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.problems {
		t.Error(pr)
	}
}

// openReport starts Chromium, cuts it off the network, opens the file and
// waits until the page's script says it has drawn everything.
func openReport(t *testing.T, file string) *browserPage {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
		// Anything the Fetch interception below might miss goes to a closed
		// port instead of the network.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
	}
	// The only timeout: a page that never becomes ready fails here instead
	// of hanging the test binary.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelA)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	p := &browserPage{ctx: bctx}
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", chromium(t), err)
	}
	err := chromedp.Listen(bctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p.problem("console %s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			p.problem("uncaught exception: %s", msg)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				p.problem("browser log %s (%s): %s", e.Entry.Level, e.Entry.Source, e.Entry.Text)
			}
		case *page.EventJavascriptDialogOpening:
			p.problem("a dialog opened: %s %q", e.Type, e.Message)
			// Close it from another goroutine: the listener may not send commands.
			go chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; !offline(u) {
				p.problem("request to %s", u)
			}
		case *fetch.EventRequestPaused:
			// Answer from another goroutine: the listener may not send commands.
			id, u := e.RequestID, e.Request.URL
			if offline(u) {
				go chromedp.Call(bctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
				return
			}
			p.problem("request to %s", u)
			go chromedp.Call(bctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: id, ErrorReason: network.ErrorReasonInternetDisconnected})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	version := chromiumVersion(t, bctx)
	// The network is cut off twice, neither way depending on a protocol call
	// that some Chromium releases refuse (Network.emulateNetworkConditionsByRule
	// is rejected by Chromium 148 with "Invalid parameters"): every request
	// pauses in the Fetch domain, where anything but a file is recorded and
	// failed, and the proxy flag above sends whatever might slip past to a
	// closed port. Network.enable only feeds the request listener.
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
				return fmt.Errorf("Network.enable on %s: %w", version, err)
			}
			if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
				return fmt.Errorf("Fetch.enable on %s: %w", version, err)
			}
			return nil
		}),
		chromedp.Navigate((&url.URL{Scheme: "file", Path: file}).String()),
	}
	if err := chromedp.Do(bctx, steps...); err != nil {
		t.Fatalf("opening %s: %v", file, err)
	}
	state, err := chromedp.Run(bctx, chromedp.Poll[string](`document.documentElement.dataset.ready`))
	if err != nil {
		t.Fatalf("waiting for the page: %v", err)
	}
	if state != "true" {
		p.checkClean(t)
		t.Fatalf("the page failed to draw: data-ready=%q", state)
	}
	return p
}

// offline reports whether a URL is one the report may load: the page itself
// and what it embeds (data: and blob: URLs never leave the browser).
func offline(u string) bool {
	for _, scheme := range []string{"file:", "data:", "blob:", "about:"} {
		if strings.HasPrefix(u, scheme) {
			return true
		}
	}
	return false
}

// logVersion makes the Chromium version appear once in the test log.
var logVersion sync.Once

// chromiumVersion asks the browser its version, for the log and for errors
// that name a refused protocol call.
func chromiumVersion(t *testing.T, ctx context.Context) string {
	t.Helper()
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("Browser.getVersion: %v", err)
	}
	version := fmt.Sprintf("%s (protocol %s)", v.Product, v.ProtocolVersion)
	logVersion.Do(func() { t.Logf("browser tests run with %s", version) })
	return version
}

// eval runs expr in the page.
func eval[T any](t *testing.T, p *browserPage, expr string) T {
	t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitShown waits until the timeline says it shows n events.
func waitShown(t *testing.T, p *browserPage, n int) {
	t.Helper()
	expr := fmt.Sprintf(`document.getElementById('tl').dataset.shown === '%d'`, n)
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr)); err != nil {
		t.Fatalf("the timeline never showed %d events (it shows %s): %v", n,
			eval[string](t, p, `document.getElementById('tl').dataset.shown`), err)
	}
}

// outDir is where the browser tests leave their screenshots: testdata/out,
// ignored by git, so a failed run can be looked at.
func outDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, p *browserPage, name string, full bool) []byte {
	t.Helper()
	var shot chromedp.Action[[]byte] = chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	b, err := chromedp.Run(p.ctx, shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(outDir(t), name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// matching counts the actions whose text contains needle, the way the
// page's text filter reads them (case-insensitive, any field).
func matching(c *event.Case, needle string) int {
	needle = strings.ToLower(needle)
	n := 0
	for _, a := range c.Actions {
		hay := strings.ToLower(strings.Join([]string{a.EventTime.UTC().Format(time.RFC3339), a.EventID, a.EventName, a.EventSource, a.PrincipalARN,
			a.AccessKeyID, a.SourceIP, a.AWSRegion, a.ErrorCode, a.UserAgent, a.Tactic, a.Technique, a.Resource}, "\n"))
		if strings.Contains(hay, needle) {
			n++
		}
	}
	return n
}

// TestBrowserExample opens the bundled example's report in Chromium and
// uses it as an investigator would.
func TestBrowserExample(t *testing.T) {
	chromium(t)
	c := exampleCase(t)
	p := openReport(t, writePage(t, c))

	checkHeader(t, p, c)
	checkChain(t, p, c)
	// Coverage statements, as in the report.
	if n := eval[int](t, p, `document.querySelectorAll('#coverage ul.statements li').length`); n != len(c.Coverage.Statements) || n == 0 {
		t.Errorf("coverage shows %d statements, report has %d", n, len(c.Coverage.Statements))
	}

	// Timeline: all actions, rows on screen, then a text filter narrows it.
	waitShown(t, p, len(c.Actions))
	if n := eval[int](t, p, `document.querySelectorAll('#tl .tl-row[data-index]').length`); n == 0 {
		t.Error("no timeline rows")
	}
	screenshot(t, p, "example.png", false)
	if testenv.Updating() {
		// A taller view for the documentation: header, chart and chain.
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(1400, 1560)); err != nil {
			t.Fatal(err)
		}
		b := screenshot(t, p, "docs.png", false)
		if err := os.WriteFile(filepath.Join(testenv.RepoRoot(t), "docs", "html-report.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(1400, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	// Views of each part, for a person to look at after a run.
	for _, id := range []string{"chain"} {
		eval[bool](t, p, `(document.getElementById('`+id+`').scrollIntoView(), true)`)
		screenshot(t, p, "example-"+id+".png", false)
	}
	eval[bool](t, p, `(window.scrollTo(0, 0), true)`)

	const needle = "GetObject"
	wantN := matching(c, needle)
	if wantN == 0 || wantN == len(c.Actions) {
		t.Fatalf("%q matches %d of %d actions: pick a narrowing filter", needle, wantN, len(c.Actions))
	}
	if err := chromedp.Do(p.ctx, chromedp.SendKeys(chromedp.ID("tl-text"), needle)); err != nil {
		t.Fatal(err)
	}
	waitShown(t, p, wantN)
	rows := eval[[]string](t, p, `[...document.querySelectorAll('#tl .tl-row[data-index] .ev')].map(e => e.textContent)`)
	for _, r := range rows {
		if r != "GetObject" {
			t.Errorf("row %q shown under filter %q", r, needle)
		}
	}

	// Expanding an event shows all its fields.
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(`#tl .tl-row[data-index]`))); err != nil {
		t.Fatal(err)
	}
	detail := eval[string](t, p, `(document.querySelector('#tl .tl-detail') || {}).textContent || ''`)
	if !strings.Contains(detail, `"event_id"`) || !strings.Contains(detail, `"user_agent"`) {
		t.Errorf("expanded event shows %q", detail)
	}

	// Clear, then click the chart's tallest bar: the timeline keeps that bucket.
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.ID("tl-reset"))); err != nil {
		t.Fatal(err)
	}
	waitShown(t, p, len(c.Actions))
	// uPlot draws after the page is ready; its draw hook sets data-peak-x.
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`'peakX' in document.getElementById('chart').dataset`)); err != nil {
		t.Fatal(err)
	}
	bar := eval[struct{ X, Y float64 }](t, p, `(() => {
		document.getElementById('chart').scrollIntoView(); const r = document.querySelector('#chart .u-over').getBoundingClientRect();
		return {X: r.left + Number(document.getElementById('chart').dataset.peakX), Y: r.bottom - 3}; })()`)
	if err := chromedp.Do(p.ctx, chromedp.MouseEvent(chromedp.MouseMoved, bar.X, bar.Y), chromedp.MouseClickXY(bar.X, bar.Y)); err != nil {
		t.Fatal(err)
	}
	chip := eval[struct{ From, To float64 }](t, p, `(() => { const c = document.querySelector('.chip[data-kind=time]');
		return c ? {From: Number(c.dataset.from), To: Number(c.dataset.to)} : {From: 0, To: 0}; })()`)
	if chip.From == 0 {
		at := eval[string](t, p, fmt.Sprintf(`(() => { const e = document.elementFromPoint(%f, %f); return e ? e.className + ' ' + e.tagName : 'none'; })()`, bar.X, bar.Y))
		t.Fatalf("clicking the tallest bar at %v (%s) set no time filter", bar, at)
	}
	from, to := time.UnixMilli(int64(chip.From)), time.UnixMilli(int64(chip.To))
	inBar := 0
	for _, a := range c.Actions {
		if !a.EventTime.Before(from) && a.EventTime.Before(to) {
			inBar++
		}
	}
	if inBar == 0 || inBar == len(c.Actions) {
		t.Errorf("the bar %s–%s holds %d of %d actions", from, to, inBar, len(c.Actions))
	}
	waitShown(t, p, inBar)
	if peak := eval[string](t, p, `document.getElementById('chart').dataset.peakCount`); peak != strconv.Itoa(inBar) {
		t.Errorf("the tallest bar counts %s events, the timeline shows %d", peak, inBar)
	}

	// A remediation command copies.
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(`#remediation li .copy`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.querySelector('#remediation li .copy').textContent !== 'Copy'`)); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, p, `document.querySelector('#remediation li .copy').textContent`); got != "Copied" {
		t.Errorf("copy button says %q after a click", got)
	}

	// A finding's link filters the timeline to its events.
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.ID("tl-reset")), chromedp.Click(chromedp.CSS(`#persistence ~ div button.link:not([disabled])`))); err != nil {
		t.Fatal(err)
	}
	waitShown(t, p, 1)

	// Dark theme and print render without errors too.
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	screenshot(t, p, "example-dark.png", false)
	// Print: the virtual list gives way to a plain table of the filtered
	// events, and every table shows all its rows.
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, p, `(window.dispatchEvent(new Event('beforeprint')), true)`)
	if n := eval[int](t, p, `document.querySelectorAll('#print-timeline tbody tr').length`); n != 1 {
		t.Errorf("print timeline has %d rows, want the 1 filtered event", n)
	}
	if n := eval[int](t, p, `document.querySelectorAll('#data-accessed + p + p + div tbody tr, #data-accessed + p + div tbody tr').length`); n != len(c.DataAccessed) {
		t.Errorf("printing shows %d data-accessed rows, want all %d", n, len(c.DataAccessed))
	}
	eval[bool](t, p, `(document.getElementById('chain').scrollIntoView(), true)`)
	screenshot(t, p, "example-print.png", false)
	p.checkClean(t)
}

// checkHeader: the report id and every headline count, as the Case has them.
func checkHeader(t *testing.T, p *browserPage, c *event.Case) {
	t.Helper()
	if got := eval[string](t, p, `document.getElementById('report-id').textContent`); got != c.ReportID {
		t.Errorf("report id %q, want %q", got, c.ReportID)
	}
	kpis := eval[map[string]string](t, p, `Object.fromEntries([...document.querySelectorAll('[data-kpi]')].map(e => [e.dataset.kpi, e.querySelector('.n').textContent]))`)
	for k, want := range map[string]int{
		"compromised_credentials": len(c.CompromisedCredentials), "suspicious_event_count": c.SuspiciousEventCount,
		"source_ips": len(c.SourceIPs), "persistence": len(c.Persistence), "data_accessed": len(c.DataAccessed),
	} {
		if got := strings.ReplaceAll(kpis[k], ",", ""); got != strconv.Itoa(want) {
			t.Errorf("headline %s = %q, want %d", k, kpis[k], want)
		}
	}
}

// checkChain: a node per credential and per edge end, an edge per step.
func checkChain(t *testing.T, p *browserPage, c *event.Case) {
	t.Helper()
	nodes := eval[[]string](t, p, `[...document.querySelectorAll('svg.chain [data-node]')].map(e => e.dataset.node)`)
	want := map[string]bool{}
	for _, cr := range c.CompromisedCredentials {
		want[cr.AccessKeyID] = true
	}
	for _, e := range c.CredentialChain {
		want[e.From], want[e.To] = true, true
	}
	got := map[string]bool{}
	for _, n := range nodes {
		got[n] = true
	}
	if len(nodes) != len(want) || len(got) != len(want) {
		t.Errorf("chain graph has nodes %v, want %v", nodes, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("chain graph lacks %s", k)
		}
	}
	if n := eval[int](t, p, `document.querySelectorAll('svg.chain .edge').length`); n != len(c.CredentialChain) {
		t.Errorf("%d chain edges drawn, want %d", n, len(c.CredentialChain))
	}
}

// TestBrowserCtgen: the report of a generated attack (ctgen -attack, from
// ../shared) draws with every credential of the chain.
func TestBrowserCtgen(t *testing.T) {
	chromium(t)
	if testing.Short() {
		t.Skip("builds and runs ctgen")
	}
	bin := testenv.Ctgen(t)
	corpus := filepath.Join(t.TempDir(), "corpus")
	truthFile := filepath.Join(corpus, "truth.json")
	gen := exec.Command(bin, "-out", corpus, "-events", "5000", "-accounts", "2", "-days", "1", "-seed", "3", "-attack", "-truth", truthFile)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ctgen: %v\n%s", err, out)
	}
	b, err := os.ReadFile(truthFile)
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Leaked       string   `json:"leakedAccessKeyId"`
		AttackerKeys []string `json:"attackerAccessKeyIds"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	c := investigate(t, filepath.Join(corpus, "AWSLogs"), truth.Leaked)
	p := openReport(t, writePage(t, c))
	checkHeader(t, p, c)
	checkChain(t, p, c)
	drawn := eval[string](t, p, `document.querySelector('svg.chain').textContent`)
	for _, k := range append([]string{truth.Leaked}, truth.AttackerKeys...) {
		if !strings.Contains(drawn, k) {
			t.Errorf("the chain graph does not show attacker key %s", k)
		}
	}
	waitShown(t, p, len(c.Actions))
	screenshot(t, p, "ctgen.png", false)
	eval[bool](t, p, `(document.getElementById('chain').scrollIntoView(), true)`)
	screenshot(t, p, "ctgen-chain.png", false)
	p.checkClean(t)
}

// writePage renders c to a file in a temporary folder.
func writePage(t *testing.T, c *event.Case) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, renderHTML(t, c), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserHostile: values that are markup show as text and run nothing.
func TestBrowserHostile(t *testing.T) {
	chromium(t)
	c := hostile()
	p := openReport(t, writePage(t, c))
	if n := eval[int](t, p, `document.querySelectorAll('img').length`); n != 0 {
		t.Errorf("%d img elements: a value became markup", n)
	}
	if v := eval[bool](t, p, `window.pwned !== undefined`); v {
		t.Error("a hostile value ran")
	}
	waitShown(t, p, len(c.Actions))
	body := eval[string](t, p, `document.body.innerText + document.querySelector('svg.chain').textContent`)
	for _, want := range []string{c.Actions[0].EventName, c.Notes[0], c.CompromisedCredentials[0].AccessKeyID, c.Remediation[0].Command,
		"Conflicting copies (1)", c.Evidence.Conflicts[0].SetAside[0].SourceIP, c.Evidence.Conflicts[0].Why} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not show %q as text", want)
		}
	}
	// Opening the hostile event shows its values as text too.
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(`#tl .tl-row[data-index="0"]`))); err != nil {
		t.Fatal(err)
	}
	if d := eval[string](t, p, `document.querySelector('#tl .tl-detail').textContent`); !strings.Contains(d, c.Actions[0].UserAgent) {
		t.Errorf("detail %q lacks the user agent", d)
	}
	p.checkClean(t)
}

// bigCase is a synthetic attack of n actions over three days: several keys,
// IPs and tactics, sessions, denied calls.
func bigCase(n int) *event.Case {
	start := time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
	tactics := []string{"Discovery", "Collection", "Persistence", "Defense Evasion", "Credential Access", "", "Exfiltration"}
	names := []string{"ListBuckets", "GetObject", "CreateUser", "StopLogging", "GetSecretValue", "DescribeInstances", "PutBucketPolicy"}
	keys := []string{"AKIAEXAMPLESEED00001", "ASIAEXAMPLEDERIVED01", "ASIAEXAMPLEDERIVED02"}
	ips := []string{"203.0.113.5", "198.51.100.23", "192.0.2.77"}
	c := &event.Case{
		ReportID: "AWS-IR-20250311-007", GeneratedAt: start.Add(96 * time.Hour),
		Tool:     event.ToolInfo{Name: "trailsleuth", Version: "test", CommandLine: "trailsleuth investigate --key AKIAEXAMPLESEED00001 --format html"},
		Accounts: []string{"111122223333", "444455556666"}, Regions: []string{"us-east-1"},
		Scope: event.Scope{Keys: keys[:1], Mode: "indicators"},
		CompromisedCredentials: []event.Credential{
			{AccessKeyID: keys[0], PrincipalARN: "arn:aws:iam::111122223333:user/ci", How: "given", FirstSeen: &start},
			{AccessKeyID: keys[1], PrincipalARN: "arn:aws:sts::111122223333:assumed-role/admin/x", DerivedFrom: keys[0], How: "AssumeRole", FirstSeen: &start},
			{AccessKeyID: keys[2], PrincipalARN: "arn:aws:sts::444455556666:assumed-role/xacct/y", DerivedFrom: keys[1], How: "AssumeRole", FirstSeen: &start},
		},
		CredentialChain: []event.ChainEdge{
			{From: keys[0], To: keys[1], How: "AssumeRole", EventID: "big-1", EventTime: start, SourceIP: ips[0], Account: "111122223333"},
			{From: keys[1], To: keys[2], How: "AssumeRole", EventID: "big-2", EventTime: start, SourceIP: ips[1], Account: "444455556666"},
		},
		SuspiciousEventCount: n,
	}
	session, last := 0, time.Time{}
	for i := range n {
		// Bursts separated by quiet hours give a few dozen sessions.
		at := start.Add(time.Duration(i)*2*time.Second + time.Duration(i/5000)*time.Hour)
		if last.IsZero() || at.Sub(last) > 30*time.Minute {
			session++
			c.Sessions = append(c.Sessions, event.Session{Number: session, Start: at})
		}
		last = at
		s := &c.Sessions[len(c.Sessions)-1]
		s.End, s.EventCount = at, s.EventCount+1
		k := i % len(names)
		a := event.Action{
			EventTime: at, EventID: fmt.Sprintf("big-%d", i), EventName: names[k], EventSource: "svc" + strconv.Itoa(k) + ".amazonaws.com",
			PrincipalARN: c.CompromisedCredentials[i%3].PrincipalARN, AccessKeyID: keys[i%3], SourceIP: ips[i%len(ips)],
			AWSRegion: "us-east-1", Tactic: tactics[k], Session: session,
		}
		if i%11 == 0 {
			a.ErrorCode = "AccessDenied"
			s.Denied++
		}
		c.Actions = append(c.Actions, a)
	}
	c.Timeframe = event.Timeframe{Start: ptr(c.Actions[0].EventTime), End: &last}
	return c
}

// TestBrowserLargeCase: 100,000 actions load, and the timeline scrolls with
// only the rows in view in the page.
func TestBrowserLargeCase(t *testing.T) {
	chromium(t)
	const n = 100_000
	c := bigCase(n)
	p := openReport(t, writePage(t, c))
	waitShown(t, p, n)
	rowCount := `document.querySelectorAll('#tl .tl-row').length`
	if r := eval[int](t, p, rowCount); r == 0 || r > 200 {
		t.Errorf("%d timeline rows in the page for %d events, want a screenful", r, n)
	}
	// Scroll to the middle, let the list redraw, and check what is drawn.
	eval[bool](t, p, `(() => { const b = document.getElementById('tl'); b.scrollTop = b.scrollHeight / 2; b.dispatchEvent(new Event('scroll')); return true; })()`)
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`Number(document.getElementById('tl').dataset.first) > 1000`)); err != nil {
		t.Fatalf("the timeline did not redraw after scrolling: %v", err)
	}
	if r := eval[int](t, p, rowCount); r == 0 || r > 200 {
		t.Errorf("%d timeline rows after scrolling, want a screenful", r)
	}
	visible := eval[[]int](t, p, `[...document.querySelectorAll('#tl .tl-row[data-index]')].map(e => Number(e.dataset.index))`)
	if len(visible) == 0 || visible[0] < n/4 || visible[0] > 3*n/4 {
		t.Errorf("rows after scrolling to the middle: %v", visible[:min(5, len(visible))])
	}
	// A filter over all 100,000 still answers.
	if err := chromedp.Do(p.ctx, chromedp.SendKeys(chromedp.ID("tl-text"), "stoplogging")); err != nil {
		t.Fatal(err)
	}
	waitShown(t, p, matching(c, "stoplogging"))
	screenshot(t, p, "large.png", false)
	p.checkClean(t)
}

// TestBrowserHarnessCatches: the checks above can fail. Each page misbehaves
// in one way — a network request (fetch, an image, a script, a stylesheet),
// an uncaught exception, a console error, a dialog — and the harness must
// record it; a clean page must record nothing.
func TestBrowserHarnessCatches(t *testing.T) {
	chromium(t)
	tests := []struct {
		name string
		body string // runs before the page says it is ready
		want string // "" for a clean page
	}{
		{"fetch", `fetch('http://192.0.2.1/x').catch(() => {});`, "request to http://192.0.2.1/x"},
		{"image", `document.body.appendChild(Object.assign(new Image(), {src: 'https://192.0.2.2/pixel.gif'}));`, "request to https://192.0.2.2/pixel.gif"},
		{"script", `document.head.appendChild(Object.assign(document.createElement('script'), {src: 'http://192.0.2.3/a.js'}));`, "request to http://192.0.2.3/a.js"},
		{"stylesheet", `document.head.appendChild(Object.assign(document.createElement('link'), {rel: 'stylesheet', href: 'http://192.0.2.4/a.css'}));`, "request to http://192.0.2.4/a.css"},
		{"throw", `setTimeout(() => { throw new Error('kaboom'); });`, "uncaught exception"},
		{"console", `console.error('boom');`, `console error: "boom"`},
		{"dialog", `alert('pwned');`, "a dialog opened"},
		{"clean", `document.body.appendChild(Object.assign(new Image(), {src: 'data:image/gif;base64,R0lGODlhAQABAAAAACw='}));`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.name+".html")
			// Ready is set after a round trip through the event loop and a
			// failed request's settling, so what the body started has happened.
			page := `<!DOCTYPE html><title>` + tt.name + `</title><body><script>
` + tt.body + `
setTimeout(() => { document.documentElement.dataset.ready = 'true'; }, 300);
</script></body>`
			if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
			p := openReport(t, path)
			got := p.waitProblem(t, tt.want)
			if tt.want == "" && got != "" {
				t.Errorf("a clean page recorded problems: %q", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("problems %q lack %q", got, tt.want)
			}
		})
	}
}

// waitProblem gives the browser's events a moment to arrive (they come on
// their own connection, after the page is ready) and returns the problems.
func (p *browserPage) waitProblem(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.mu.Lock()
		got := strings.Join(p.problems, "\n")
		p.mu.Unlock()
		if (want != "" && strings.Contains(got, want)) || time.Now().After(deadline) {
			return got
		}
		if want == "" {
			// A clean page: wait a fixed short while for stray events.
			time.Sleep(500 * time.Millisecond)
			p.mu.Lock()
			got = strings.Join(p.problems, "\n")
			p.mu.Unlock()
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBrowserEmpty(t *testing.T) {
	chromium(t)
	at := time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
	c := &event.Case{ReportID: "AWS-IR-20250311-002", GeneratedAt: at, Timeframe: event.Timeframe{Start: &at, End: ptr(at.Add(24 * time.Hour))}, Scope: event.Scope{Mode: "triage"}}
	p := openReport(t, writePage(t, c))
	checkHeader(t, p, c)
	waitShown(t, p, 0)
	for _, id := range []string{"activity", "chain", "timeline", "findings", "remediation", "evidence"} {
		if !eval[bool](t, p, `!!document.getElementById('`+id+`')`) {
			t.Errorf("section %s missing", id)
		}
	}
	if text := eval[string](t, p, `document.getElementById('timeline').innerText`); !strings.Contains(text, "No suspicious events.") {
		t.Errorf("empty timeline says %q", text)
	}
	p.checkClean(t)
}
