//! Scoring a predictions file against a truth file (`tuneup score`), with any of tuneup's
//! metrics: labels and / or `p_<class>` probability columns, numeric values, or text with one
//! segment per line. Rows must line up (where both files have an `id` column, the ids must
//! agree).

use std::collections::BTreeSet;
use std::path::Path;

use tuneup_core::InputError;
use tuneup_core::data::{csv, sort_classes};
use tuneup_core::metrics::{Input, Metric, Needs, classification};

/// Each metric's value, and the confusion matrix (its class labels and counts) when asked for.
pub struct Scored {
    pub results: Vec<(String, f64)>,
    pub matrix: Option<(Vec<String>, Vec<Vec<u64>>)>,
}

type Rows = Vec<(usize, Vec<String>)>;

/// The `label` column, else the `target` column.
fn target_column(header: &[String]) -> Option<usize> {
    header
        .iter()
        .position(|h| h == "label")
        .or_else(|| header.iter().position(|h| h == "target"))
}

fn lines(path: &Path) -> Result<Vec<String>, InputError> {
    let bytes = tuneup_core::error::read_file(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| InputError::in_file(path, "not UTF-8 text: expected one segment per line"))?;
    Ok(text.lines().map(str::to_string).collect())
}

/// The metrics named (`confusion_matrix` aside), and whether the confusion matrix is asked for.
fn metrics(names: &[String]) -> Result<(Vec<Metric>, bool), InputError> {
    if names.is_empty() {
        return Err(InputError::new(
            "give at least one --metric (see `tuneup score --list`)",
        ));
    }
    let confusion = names.iter().any(|n| n == "confusion_matrix");
    let mut metrics = Vec::new();
    for n in names.iter().filter(|n| *n != "confusion_matrix") {
        metrics.push(Metric::from_name(n).ok_or_else(|| {
            InputError::new(format!("unknown metric `{n}` (see `tuneup score --list`)"))
                .key("--metric")
        })?);
    }
    let text = metrics.iter().filter(|m| m.needs() == Needs::Text).count();
    if text > 0 && (text < metrics.len() || confusion) {
        return Err(InputError::new(
            "text metrics read plain text files; score them separately from label or value metrics",
        )
        .key("--metric"));
    }
    Ok((metrics, confusion))
}

/// Scores `pred` against `truth` with the named metrics.
pub fn score_files(
    names: &[String],
    truth: &Path,
    pred: &Path,
    pos_label: Option<&str>,
) -> Result<Scored, InputError> {
    let (metrics, confusion) = metrics(names)?;
    if metrics.iter().any(|m| m.needs() == Needs::Text) {
        let refs = lines(truth)?;
        let hyps = lines(pred)?;
        let mut results = Vec::new();
        for m in &metrics {
            let v = m
                .compute(&Input::Text {
                    refs: &refs,
                    hyps: &hyps,
                })
                .map_err(|e| InputError::in_file(pred, e.0))?;
            results.push((m.name(), v));
        }
        return Ok(Scored {
            results,
            matrix: None,
        });
    }
    let t = Table::read(truth, pred)?;
    let all_values = metrics.iter().all(|m| m.needs() == Needs::Values) && !confusion;
    if metrics.iter().any(|m| m.needs() == Needs::Values) && !all_values {
        return Err(InputError::new(
            "regression metrics cannot be mixed with classification metrics",
        )
        .key("--metric"));
    }
    if all_values {
        t.values(&metrics)
    } else {
        t.classes(&metrics, confusion, pos_label)
    }
}

/// The two CSV files, read and lined up.
struct Table<'a> {
    truth: &'a Path,
    pred: &'a Path,
    th: Vec<String>,
    trows: Rows,
    ph: Vec<String>,
    prows: Rows,
    tcol: usize,
    pcol: Option<usize>,
}

impl<'a> Table<'a> {
    fn read(truth: &'a Path, pred: &'a Path) -> Result<Table<'a>, InputError> {
        let (th, trows) = csv::table(truth)?;
        let (ph, prows) = csv::table(pred)?;
        let tcol = target_column(&th).ok_or_else(|| {
            InputError::in_file(
                truth,
                format!(
                    "no `label` or `target` column; the columns are: {}",
                    th.join(", ")
                ),
            )
            .line(1)
        })?;
        if trows.len() != prows.len() {
            return Err(InputError::in_file(
                pred,
                format!(
                    "{} rows, but {} has {}: expected one prediction per row, in the same order",
                    prows.len(),
                    truth.display(),
                    trows.len()
                ),
            ));
        }
        let pcol = target_column(&ph);
        let t = Table {
            truth,
            pred,
            th,
            trows,
            ph,
            prows,
            tcol,
            pcol,
        };
        t.check_ids()?;
        Ok(t)
    }

    /// Rows must line up: where both files have an id column, the ids must agree.
    fn check_ids(&self) -> Result<(), InputError> {
        let id = |h: &[String]| h.iter().position(|h| h.eq_ignore_ascii_case("id"));
        let (Some(ti), Some(pi)) = (id(&self.th), id(&self.ph)) else {
            return Ok(());
        };
        for ((tl, t), (pl, p)) in self.trows.iter().zip(&self.prows) {
            if t[ti].trim() != p[pi].trim() {
                return Err(InputError::in_file(
                    self.pred,
                    format!(
                        "id `{}` where {} has `{}` (line {tl}): rows are out of order",
                        p[pi].trim(),
                        self.truth.display(),
                        t[ti].trim()
                    ),
                )
                .line(*pl));
            }
        }
        Ok(())
    }

    /// The column's finite numbers, an error at the first cell that is not one.
    fn numbers(
        path: &Path,
        rows: &Rows,
        col: usize,
        header: &[String],
    ) -> Result<Vec<f64>, InputError> {
        rows.iter()
            .map(|(line, r)| {
                let s = r[col].trim();
                s.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        InputError::in_file(path, format!("expected a finite number, found `{s}`"))
                            .line(*line)
                            .column(format!("{} (`{}`)", col + 1, header[col]))
                    })
            })
            .collect()
    }

    /// Regression metrics over the two target columns.
    fn values(&self, metrics: &[Metric]) -> Result<Scored, InputError> {
        let pcol = self.pcol.ok_or_else(|| {
            InputError::in_file(
                self.pred,
                format!(
                    "no `label` or `target` column; the columns are: {}",
                    self.ph.join(", ")
                ),
            )
            .line(1)
        })?;
        let t = Self::numbers(self.truth, &self.trows, self.tcol, &self.th)?;
        let p = Self::numbers(self.pred, &self.prows, pcol, &self.ph)?;
        let mut results = Vec::new();
        for m in metrics {
            let v = m
                .compute(&Input::Values {
                    truth: &t,
                    pred: &p,
                })
                .map_err(|e| InputError::in_file(self.pred, e.0))?;
            results.push((m.name(), v));
        }
        Ok(Scored {
            results,
            matrix: None,
        })
    }
}

impl Table<'_> {
    /// The `p_<class>` columns: (column, class).
    fn proba_columns(&self) -> Vec<(usize, String)> {
        self.ph
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.strip_prefix("p_").map(|c| (i, c.to_string())))
            .collect()
    }

    /// Classes: those in the truth, the predicted labels and the probability columns, sorted
    /// as the models sort them.
    fn class_list(&self, pcols: &[(usize, String)]) -> Vec<String> {
        let mut set: BTreeSet<String> = self
            .trows
            .iter()
            .map(|(_, r)| r[self.tcol].trim().to_string())
            .collect();
        if let Some(pc) = self.pcol {
            set.extend(self.prows.iter().map(|(_, r)| r[pc].trim().to_string()));
        }
        set.extend(pcols.iter().map(|(_, c)| c.clone()));
        let mut classes: Vec<String> = set.into_iter().collect();
        sort_classes(&mut classes);
        classes
    }

    /// The probabilities (rows x classes), when the file has one column per class.
    fn probabilities(
        &self,
        pcols: &[(usize, String)],
        classes: &[String],
    ) -> Result<Option<Vec<f64>>, InputError> {
        if pcols.is_empty() {
            return Ok(None);
        }
        if pcols.len() != classes.len() {
            let missing: Vec<&String> = classes
                .iter()
                .filter(|c| !pcols.iter().any(|(_, p)| p == *c))
                .collect();
            return Err(InputError::in_file(self.pred, format!("no probability column for class(es) {missing:?}: expected one p_<class> column per class")).line(1));
        }
        let index = |s: &str| classes.iter().position(|c| c == s).unwrap_or(0);
        let mut v = vec![0.0; self.prows.len() * classes.len()];
        for (row, (line, r)) in self.prows.iter().enumerate() {
            for (col, c) in pcols {
                let s = r[*col].trim();
                let x: f64 = s
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite())
                    .ok_or_else(|| {
                        InputError::in_file(
                            self.pred,
                            format!("expected a probability, found `{s}`"),
                        )
                        .line(*line)
                        .column(format!(
                            "{} (`{}`)",
                            col + 1,
                            self.ph[*col]
                        ))
                    })?;
                v[row * classes.len() + index(c)] = x;
            }
        }
        Ok(Some(v))
    }

    /// Classification metrics: predicted labels from the label column, else the most probable
    /// class.
    fn classes(
        &self,
        metrics: &[Metric],
        confusion: bool,
        pos_label: Option<&str>,
    ) -> Result<Scored, InputError> {
        let pcols = self.proba_columns();
        let classes = self.class_list(&pcols);
        let index = |s: &str| classes.iter().position(|c| c == s).unwrap_or(0) as u32;
        let truth_idx: Vec<u32> = self
            .trows
            .iter()
            .map(|(_, r)| index(r[self.tcol].trim()))
            .collect();
        let proba = self.probabilities(&pcols, &classes)?;
        if metrics.iter().any(|m| m.needs() == Needs::Probabilities) && proba.is_none() {
            return Err(InputError::in_file(self.pred, "no p_<class> probability columns: the chosen metrics need them (`tuneup predict --proba` writes them)").line(1));
        }
        let pred_idx: Vec<u32> = match (self.pcol, &proba) {
            (Some(pc), _) => self
                .prows
                .iter()
                .map(|(_, r)| index(r[pc].trim()))
                .collect(),
            (None, Some(p)) => p
                .chunks(classes.len())
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .fold(0, |b, (i, v)| if *v > row[b] { i } else { b })
                        as u32
                })
                .collect(),
            (None, None) => {
                return Err(InputError::in_file(self.pred, format!("no `label` or `target` column and no p_<class> columns; the columns are: {}", self.ph.join(", "))).line(1));
            }
        };
        let positive = match pos_label {
            Some(p) => Some(classes.iter().position(|c| c == p).ok_or_else(|| {
                InputError::new(format!(
                    "`{p}` is not a class; the classes are: {}",
                    classes.join(", ")
                ))
                .key("--pos-label")
            })? as u32),
            None => None,
        };
        let mut results = Vec::new();
        for m in metrics {
            let input = Input::Classes {
                truth: &truth_idx,
                pred: &pred_idx,
                proba: proba.as_deref(),
                n_classes: classes.len(),
                positive,
            };
            let v = m
                .compute(&input)
                .map_err(|e| InputError::in_file(self.pred, format!("{}: {}", m.name(), e.0)))?;
            results.push((m.name(), v));
        }
        let matrix = confusion.then(|| {
            let counts = classification::confusion(&truth_idx, &pred_idx, classes.len());
            (classes.clone(), counts)
        });
        Ok(Scored { results, matrix })
    }
}
