//! `tuneup init DATA`: look at the data, say what it is (a table column by column), write a
//! commented baseline experiment.

use crate::cli::InitArgs;

pub fn run(a: InitArgs) -> anyhow::Result<()> {
    let w = tuneup_lab::init::write(&a.data, &a.choices.lab(), a.output.as_deref(), a.force)?;
    let ins = &w.inspection;
    println!(
        "{}: {} samples, {}",
        a.data.display(),
        ins.rows,
        tuneup_lab::init::seen_text(ins)
    );
    println!("  task      {:?} ({})", ins.task, ins.why_task);
    if !ins.classes.is_empty() {
        let list: Vec<String> = ins
            .classes
            .iter()
            .take(20)
            .map(|(c, n)| format!("{c}:{n}"))
            .collect();
        println!(
            "  classes   {}  [{}{}]",
            ins.classes.len(),
            list.join(" "),
            if ins.classes.len() > 20 { " ..." } else { "" }
        );
    }
    if let Some(skew) = ins.log_skew {
        println!(
            "  target    positive, skewed ({skew:.1}): modelled as ln(1 + y) (data.log_target)"
        );
    }
    if let Some(t) = &ins.table {
        columns(t);
    }
    if let Some(s) = &ins.images {
        if let Some(side) = ins.image_size {
            println!(
                "  pictures  {} of different sizes: resized to {side}x{side} (data.image_size)",
                s.count
            );
        }
        let modes: Vec<String> = s.modes.iter().map(|(m, n)| format!("{m}:{n}")).collect();
        println!("  modes     {}", modes.join(" "));
        if !s.unreadable.is_empty() {
            println!(
                "  unreadable {} (e.g. {}): skipped with data.skip_bad = true",
                s.unreadable.len(),
                s.unreadable[0].display()
            );
        }
    }
    println!(
        "wrote {}; train it with: tuneup train {}",
        w.output.display(),
        w.output.display()
    );
    Ok(())
}

/// The column report: each column's kind, missing share, distinct values, examples, and what
/// tuneup does with it.
fn columns(t: &tuneup_lab::init::TableSeen) {
    let name_w = t
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    println!(
        "  {:name_w$}  {:11}  {:>7}  {:>8}  {:32}  action",
        "column", "kind", "missing", "distinct", "examples"
    );
    for c in &t.columns {
        let mut ex = c.examples.join(", ");
        if ex.chars().count() > 32 {
            ex = ex.chars().take(29).collect::<String>() + "...";
        }
        println!(
            "  {:name_w$}  {:11}  {:>6.1}%  {:>8}  {:32}  {}",
            c.name,
            c.kind.as_str(),
            100.0 * c.missing as f64 / c.rows.max(1) as f64,
            c.distinct,
            ex,
            c.action
        );
    }
    if t.clean {
        println!("  every feature is a plain number: read as a numeric matrix");
    }
}
