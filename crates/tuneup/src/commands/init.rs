//! `tuneup init DATA`: look at the data, say what it is, write a commented baseline experiment.

use crate::cli::InitArgs;

pub fn run(a: InitArgs) -> anyhow::Result<()> {
    let w = tuneup_lab::init::write(&a.data, a.target.as_deref(), a.output.as_deref(), a.force)?;
    let ins = &w.inspection;
    println!(
        "{}: {} samples, {}",
        a.data.display(),
        ins.rows,
        tuneup_lab::init::shape_text(&ins.sample_shape)
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
    println!(
        "wrote {}; train it with: tuneup train {}",
        w.output.display(),
        w.output.display()
    );
    Ok(())
}
