// Package charts writes the final experiment report of a run as a
// self-contained directory: report.html and report.md with the summary
// table, the detector's verdict and five charts, each as SVG (shown by the
// pages) and PNG:
//
//	latency.svg       latency per control period and the rolling p95
//	queue.svg         queue depth against the buffer and the detector's thresholds
//	state.svg         the detector's state as a coloured band, with the throttle's delay
//	errors.svg        failed / created over the detector's window, by failure kind
//	distribution.svg  histogram of latency
//
// and, when the run has them:
//
//	attempts.svg      a client's attempts sent, retried and finished against the goodput
//	shedding.svg      CoDel's dropping state and the clients' adaptive-throttle probability
//	limit.svg         the server's adaptive concurrency limit
//
// Every time chart shades the windows of the scenario's schedule and marks
// the detector's break-point and the steady-state hypothesis's recovery
// point (or, when the system did not recover, the end of the trigger); the
// latency and error charts draw the SLO's bounds and its own readings over
// its window.
//
// [WriteRun] writes one run; [WriteComparison] writes the reproduction
// page: published and simulated figures side by side, then every
// experiment's charts.
//
// Charts are aggregates, never one element per request: the run's
// model.Series holds one span per control period up to 8192 periods (and
// merges neighbours beyond), drawn as is up to 4000 periods and
// re-bucketed beyond that to at most 1000 points (mean latency
// weighted by completions, the maximum of maxima and of the rolling p95, the
// worst state, summed counts); the latency histogram has 60 bins. A
// million-request run gives files no larger than a short one's.
//
// Pages load nothing from outside: the CSS is inline and charts are
// referenced by relative file name. Outputs hold no wall-clock time, and
// the SVG is byte-identical across machines (gonum/plot's PNG is not).
//
// Files are rendered in memory and written by package outfile
// (outfile.WriteDir): into a temporary directory beside the target, renamed
// into place, pages last: a failure while rendering
// or writing leaves the target as it was, and a page never points at a
// missing chart. A new target is one rename; in an existing target
// directory only the files this package names are replaced, one rename each
// (if one of those fails, the pages are left as they were). An existing
// report is replaced only when the caller forces it ([Check] says so before
// the run).
//
// Units: seconds for times, fractions shown as percent. Errors: a missing
// report or configuration is an error; nothing here panics on user input.
package charts
