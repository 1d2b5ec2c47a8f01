// Package stats turns independent replications into statistics: Student-t
// confidence intervals of a mean ([MeanCI]), prediction intervals for one
// more replication ([PredictionInterval]) and along a fitted line
// ([RegressionBand]), a sequential stopping rule that replicates until every
// interval is precise ([Precision]) and the two-sample Kolmogorov–Smirnov
// distance ([KS]). (mser5, warm-up deletion by MSER-5, is kept for
// diagnosis; the textbook suite deletes its warm-up by a fixed rule on
// purpose.)
//
// Units are those of the values given; a confidence is a probability in
// (0, 1), e.g. 0.95, and an interval is two-sided. Values are taken as
// independent and identically distributed (one per replication), and, for
// the Student-t and prediction intervals, approximately normal.
//
// Panics: a confidence outside (0, 1), slices of different lengths, or an
// invalid [Precision] are programming errors and panic; too few values are
// not, and give infinite half-widths.
package stats
