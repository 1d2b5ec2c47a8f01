package otel

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agentchaos/agentchaos/model/outfile"
)

// The files a Destination writes into its folder.
const (
	TracesFile  = "traces.jsonl"
	MetricsFile = "metrics.jsonl"
)

// Destination is where a run's telemetry goes: a folder of JSON Lines files
// (TracesFile and MetricsFile, through package outfile: written as the run
// goes into temporary files, renamed into place by Close), an OTLP/HTTP
// endpoint (the SDK's otlptracehttp and otlpmetrichttp exporters), or both.
// Several runs may write to one destination, one after another.
type Destination struct {
	files   []*outfile.File
	spans   []sdktrace.SpanExporter
	metrics []sdkmetric.Exporter
	closed  bool
}

// CheckDir reports at once what would stop Open from writing the files
// into dir (an existing file without force, a file standing where a
// folder goes), so that a long run can refuse before it starts.
func CheckDir(dir string, force bool) error {
	for _, name := range []string{TracesFile, MetricsFile} {
		if err := outfile.Check(filepath.Join(dir, name), force); err != nil {
			return err
		}
	}
	return nil
}

// ParseEndpoint checks an OTLP/HTTP endpoint: an http or https URL with a
// host, and optionally a base path, to which /v1/traces and /v1/metrics are
// appended (as OTEL_EXPORTER_OTLP_ENDPOINT is read).
func ParseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("want an http:// or https:// URL with a host and no query, such as http://localhost:4318, got %q", endpoint)
	}
	return u, nil
}

// Open opens a destination: the files in dir if dir is not empty
// (refusing to replace existing ones unless force), and the OTLP/HTTP
// endpoint if endpoint is not empty. The exporters' other settings
// (headers, TLS, compression, timeouts) come from the standard
// OTEL_EXPORTER_OTLP_* environment variables.
func Open(dir, endpoint string, force bool) (*Destination, error) {
	d := &Destination{}
	if dir != "" {
		for _, name := range []string{TracesFile, MetricsFile} {
			f, err := outfile.Create(filepath.Join(dir, name), force)
			if err != nil {
				d.Abort()
				return nil, err
			}
			d.files = append(d.files, f)
		}
		d.spans = append(d.spans, NewFileExporter(d.files[0]))
		d.metrics = append(d.metrics, NewFileExporter(d.files[1]))
	}
	if endpoint != "" {
		u, err := ParseEndpoint(endpoint)
		if err != nil {
			d.Abort()
			return nil, err
		}
		at := func(signal string) string {
			v := *u
			v.Path = strings.TrimSuffix(v.Path, "/") + "/v1/" + signal
			return v.String()
		}
		te, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(at("traces")))
		if err != nil {
			d.Abort()
			return nil, err
		}
		me, err := otlpmetrichttp.New(context.Background(), otlpmetrichttp.WithEndpointURL(at("metrics")))
		if err != nil {
			te.Shutdown(context.Background())
			d.Abort()
			return nil, err
		}
		d.spans = append(d.spans, te)
		d.metrics = append(d.metrics, me)
	}
	return d, nil
}

// NewDestination returns a destination sending to the given exporters
// (such as FileExporters on writers of the caller's), which Close shuts
// down.
func NewDestination(spans []sdktrace.SpanExporter, metrics []sdkmetric.Exporter) *Destination {
	return &Destination{spans: spans, metrics: metrics}
}

func (d *Destination) spanExporters() []sdktrace.SpanExporter { return d.spans }
func (d *Destination) metricExporters() []sdkmetric.Exporter  { return d.metrics }

// Close shuts the exporters down (an OTLP exporter sends what it holds)
// and, if every export succeeded, puts the files in place; after an error
// the files are left as they were. It returns the first error.
func (d *Destination) Close(ctx context.Context) error {
	if d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	for _, e := range d.spans {
		errs = append(errs, e.Shutdown(ctx))
	}
	for _, e := range d.metrics {
		errs = append(errs, e.Shutdown(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		for _, f := range d.files {
			f.Abort()
		}
		return err
	}
	for _, f := range d.files {
		errs = append(errs, f.Commit())
	}
	return errors.Join(errs...)
}

// Abort discards the files (an existing file is left as it was) and shuts
// the exporters down without waiting.
func (d *Destination) Abort() {
	if d.closed {
		return
	}
	d.closed = true
	for _, f := range d.files {
		f.Abort()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, e := range d.spans {
		e.Shutdown(ctx)
	}
	for _, e := range d.metrics {
		e.Shutdown(ctx)
	}
}
