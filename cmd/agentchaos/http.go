package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live/httplive"
)

// httpFlags are live's flags for the HTTP mode and its target mode.
type httpFlags struct {
	target, method *string
	body           *int
	headers        headerList
}

// headerList collects repeated --header "Name: value" flags.
type headerList struct{ h http.Header }

func (l *headerList) String() string { return "" }
func (l *headerList) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if name = strings.TrimSpace(name); !ok || name == "" {
		return fmt.Errorf("want \"Name: value\", got %q", v)
	}
	if l.h == nil {
		l.h = http.Header{}
	}
	l.h.Add(name, strings.TrimSpace(value))
	return nil
}

func newHTTPFlags(fs *flag.FlagSet) *httpFlags {
	h := &httpFlags{
		target: fs.String("target", "", "run the agents, clients and network faults against the service at `URL` (implies --http)"),
		method: fs.String("method", http.MethodPost, "the requests' HTTP `method`"),
		body:   fs.Int("body", 0, "each request's body, `bytes`"),
	}
	fs.Var(&h.headers, "header", "add `\"Name: value\"` to every request (repeatable)")
	return h
}

// httpOutput is the JSON of an HTTP run: its report and what it measured.
type httpOutput struct {
	model.Report
	HTTP httplive.Stats `json:"http"`
}

// liveHTTP runs cfg over HTTP, against the built-in server or a target,
// and prints its report; after Ctrl-C, the report so far and exit 130.
func liveHTTP(cfg *model.Config, f *liveFlags, h *httpFlags, stdout, stderr io.Writer) error {
	opt := httplive.Options{Scale: *f.scale, Target: *h.target, Method: *h.method, BodySize: *h.body, Header: h.headers.h}
	if err := httplive.Check(cfg, opt); err != nil {
		var fe *model.FieldError
		if errors.As(err, &fe) {
			return err
		}
		return usageError{err}
	}
	ctx, stop := interruptible()
	defer stop()
	p := startProgress(stderr, "live --http "+cfg.Name, cfg)
	opt.Sinks = p.sinks()
	rep, st, err := httplive.Run(ctx, cfg, opt)
	p.stop()
	l, sv := st.Lateness, st.Service
	tail := fmt.Sprintf("lateness       answered attempts took mean %.3gms, p50 %.3gms, p95 %.3gms, max %.3gms beyond the model (server's service timers p95 %.3gms; simulated time, scale %g, %d attempts)\n"+
		"resources      at most %d connections open at the server and %d in a client's pool, %d goroutines\n",
		1e3*l.Mean, 1e3*l.P50, 1e3*l.P95, 1e3*l.Max, 1e3*sv.P95, *f.scale, l.Count, st.MaxConnections, st.PoolConnections, st.PeakGoroutines)
	return printLive(ctx, err, &rep, *f.asJSON, httpOutput{rep, st}, tail, stdout, stderr)
}
