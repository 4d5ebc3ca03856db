"""The experiment's report: results.json (every number), tables/<table>.csv, and report.md with each table
in the paper's layout, the paper's numbers beside ours, the direction of every comparison (here and in
the paper), the seeds and their spread, every run's final metrics and the plots."""
import csv
import io
import json
import os
import time

from t2t_mm import atomic
from t2t_mm.experiments import results as results_lib
from t2t_mm.experiments import runner
from t2t_mm.experiments.spec import METRICS

TIE = 1e-9


def collect(experiment, planned, output_dir):
    """{'runs': {run: {...per seed...}}, 'tables': [...]}: the final eval of every run and seed, and each
    table's cells (mean, std, n over seeds) with the paper's numbers and the comparisons."""
    runs = {}
    for item in planned:
        folder = os.path.join(output_dir, item.folder)
        records = results_lib.read_evals(folder)
        finals = results_lib.final_evals(records)
        state = runner.status(output_dir, item)
        entry = runs.setdefault(item.run.name, {
            "label": item.run.label, "problems": item.run.problems, "hparams_set": item.run.hparams_set,
            "hparams": item.run.hparams, "train_steps": item.train_steps,
            "steps_per_problem": round(item.train_steps / max(len(item.problems), 1)), "seeds": {}})
        entry["seeds"][str(item.seed)] = {
            "folder": item.folder, "status": state,
            "final_step": max((int(r["step"]) for r in finals.values()), default=None),
            "final": {p: results_lib.numeric_items(r) for p, r in sorted(finals.items())},
            "steps_on_problem": {p: int(results_lib.problem_steps(folder, p, [int(r["step"])])[0])
                                 for p, r in sorted(finals.items())},
            "_records": finals}
    tables = [_table(table, runs) for table in experiment.tables]
    for entry in runs.values():
        for seed in entry["seeds"].values():
            seed.pop("_records")
    return {"experiment": experiment.name, "scale": experiment.scale, "description": experiment.description,
            "written": time.strftime("%Y-%m-%d %H:%M:%S"), "runs": runs, "tables": tables}


def _cell(runs, run_name, problem, metric):
    entry = runs.get(run_name)
    if not entry:
        return results_lib.summarize([])
    values, seeds = [], []
    for seed, info in sorted(entry["seeds"].items()):
        values.append(results_lib.value(info["_records"].get(problem), metric) if info["status"] == "finished"
                      else None)
        seeds.append(seed)
    summary = results_lib.summarize(values)
    summary["seeds"] = seeds
    summary["unfinished"] = [s for s, info in sorted(entry["seeds"].items()) if info["status"] != "finished"]
    return summary


def direction(candidate, baseline, metric, spread=0.0):
    """'better' / 'worse' / 'same' for candidate against baseline (None when either is missing);
    differences within `spread` (the seeds' std) are 'same'."""
    if candidate is None or baseline is None:
        return None
    difference = candidate - baseline
    if abs(difference) <= max(spread, TIE):
        return "same"
    return "better" if (difference > 0) == metric.higher_is_better else "worse"


def _table(table, runs):
    cells = {}
    for row in table.rows:
        for column in table.columns:
            for name in row.metrics:
                cell = _cell(runs, column.run_for(row.problem), row.problem, METRICS[name])
                cell["run"] = column.run_for(row.problem)
                cells.setdefault(row.problem, {}).setdefault(column.id, {})[name] = cell
    comparisons = []
    for candidate, baseline in table.comparisons:
        for row in table.rows:
            for name in row.metrics:
                metric = METRICS[name]
                ours_c = cells[row.problem][candidate][name]
                ours_b = cells[row.problem][baseline][name]
                spread = max(ours_c["std"] or 0.0, ours_b["std"] or 0.0)
                paper_c = table.paper.get((row.problem, candidate), {}).get(name)
                paper_b = table.paper.get((row.problem, baseline), {}).get(name)
                ours = direction(ours_c["mean"], ours_b["mean"], metric, spread)
                paper = direction(paper_c, paper_b, metric)
                comparisons.append({
                    "problem": row.problem, "metric": name, "candidate": candidate, "baseline": baseline,
                    "ours": [ours_c["mean"], ours_b["mean"]], "paper": [paper_c, paper_b],
                    "direction": ours, "paper_direction": paper,
                    "agrees": None if ours is None or paper is None else ours == paper})
    paper = {f"{problem}|{run}": values for (problem, run), values in table.paper.items()}
    return {"name": table.name, "title": table.title, "layout": table.layout, "cells": cells, "paper": paper,
            "comparisons": comparisons}


# --- writing ------------------------------------------------------------------------------------------
def _fmt(summary, metric):
    if not summary or summary.get("mean") is None:
        return "—"
    if summary["n"] <= 1:
        return metric.fmt(summary["mean"])
    if metric.percent:
        return f"{100 * summary['mean']:.2f} ± {100 * summary['std']:.2f}% (n={summary['n']})"
    return f"{summary['mean']:.2f} ± {summary['std']:.2f} (n={summary['n']})"


def _paper_fmt(value, metric):
    if value is None:
        return "—"
    return metric.fmt(value)


def _label(column_id, table):
    for column in table.columns:
        if column.id == column_id:
            return column.label
    return column_id


def _md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def table_rows(table, collected):
    """(header, rows) of the table in its paper layout, our rows beside the paper's."""
    cells = collected["cells"]
    if table.layout == "metrics":
        header = ["Problem", "Metric"] + [c.label for c in table.columns]
        rows = []
        for row in table.rows:
            for name in row.metrics:
                metric = METRICS[name]
                rows.append([f"{row.label or row.problem} (ours)", metric.label] +
                            [_fmt(cells[row.problem][c.id][name], metric) for c in table.columns])
            for name in row.metrics if table.paper else ():
                metric = METRICS[name]
                rows.append([f"{row.paper_label or row.problem} (paper)", metric.label] +
                             [_paper_fmt(table.paper.get((row.problem, c.id), {}).get(name), metric)
                              for c in table.columns])
        return header, rows
    names = []
    for row in table.rows:
        names += [n for n in row.metrics if n not in names]
    header = ["Problem"] + [f"{c.label}: {METRICS[n].label}" for c in table.columns for n in names]
    rows = []
    for row in table.rows:
        ours = [f"{row.label or row.problem} (ours)"]
        paper = [f"{row.paper_label or row.problem} (paper)"]
        for column in table.columns:
            for name in names:
                metric = METRICS[name]
                if name not in row.metrics:
                    ours.append("")
                    paper.append("")
                    continue
                ours.append(_fmt(cells[row.problem][column.id][name], metric))
                paper.append(_paper_fmt(table.paper.get((row.problem, column.id), {}).get(name), metric))
        rows += [ours, paper] if table.paper else [ours]
    return header, rows


def _comparison_lines(table, collected):
    header = ["Problem", "Metric", "Comparison", "Here", "Direction here", "Paper", "Direction in paper",
              "Same direction?"]
    rows = []
    for item in collected["comparisons"]:
        metric = METRICS[item["metric"]]
        name = f"{_label(item['candidate'], table)} vs {_label(item['baseline'], table)}"
        here = " vs ".join(metric.fmt(v) if v is not None else "n/a" for v in item["ours"])
        paper = " vs ".join(_paper_fmt(v, metric) if v is not None else "n/a" for v in item["paper"])
        agrees = {True: "yes", False: "**no**", None: "—"}[item["agrees"]]
        rows.append([item["problem"], metric.label, name, here, item["direction"] or "not measured", paper,
                     item["paper_direction"] or "not given", agrees])
    return _md_table(header, rows) if rows else ""


def _headline(table, collected):
    """One sentence per comparison and row, on the metric the paper leads with (the row's first)."""
    lines = []
    for item in collected["comparisons"]:
        row = next(r for r in table.rows if r.problem == item["problem"])
        if item["metric"] != row.metrics[0]:
            continue
        metric = METRICS[item["metric"]]
        what = f"{_label(item['candidate'], table)} vs {_label(item['baseline'], table)} on {item['problem']}"
        if item["direction"] is None:
            lines.append(f"- {what}: not measured yet (runs unfinished).")
            continue
        here = f"{item['direction']} here ({metric.label} {metric.fmt(item['ours'][0])} vs {metric.fmt(item['ours'][1])})"
        if item["paper_direction"] is None:
            lines.append(f"- {what}: {here}; the paper gives no pair to compare.")
        else:
            verdict = "as in the paper" if item["agrees"] else "unlike the paper"
            lines.append(f"- {what}: {here}, {verdict} ({item['paper_direction']} there, "
                         f"{_paper_fmt(item['paper'][0], metric)} vs {_paper_fmt(item['paper'][1], metric)}).")
    return "\n".join(lines)


def _runs_section(collected):
    header = ["Run", "Problems", "Hparams set", "Overrides", "Train steps", "Steps per problem", "Seed",
              "Status", "Final eval step", "Folder"]
    rows = []
    for name, entry in collected["runs"].items():
        for seed, info in sorted(entry["seeds"].items()):
            rows.append([name, entry["problems"], entry["hparams_set"], f"`{entry['hparams']}`" if entry["hparams"]
                         else "", entry["train_steps"], entry["steps_per_problem"], seed, info["status"],
                         info["final_step"] if info["final_step"] is not None else "—", info["folder"]])
    return _md_table(header, rows)


def _finals_section(collected):
    """Every run's final metrics per problem, whatever keys the evaluator wrote."""
    blocks = []
    for name, entry in collected["runs"].items():
        for seed, info in sorted(entry["seeds"].items()):
            if not info["final"]:
                continue
            keys = []
            for values in info["final"].values():
                keys += [k for k in values if k not in keys]
            rows = [[problem, info["steps_on_problem"].get(problem, "")] +
                    [f"{values[k]:.4g}" if k in values else "" for k in keys]
                    for problem, values in info["final"].items()]
            blocks.append(f"**{name}**, seed {seed} (step {info['final_step']}, {info['status']})\n\n" +
                          _md_table(["Problem", "Steps on it"] + keys, rows))
    return "\n\n".join(blocks)


def write(experiment, planned, output_dir, plots=()):
    """Writes results.json, tables/*.csv and report.md into output_dir; returns the collected results."""
    collected = collect(experiment, planned, output_dir)
    atomic.write_text(os.path.join(output_dir, "results.json"), json.dumps(collected, indent=1, sort_keys=True))
    os.makedirs(os.path.join(output_dir, "tables"), exist_ok=True)
    parts = [f"# Experiment `{experiment.name}`" + (f" ({experiment.scale} scale)" if experiment.scale else ""), ""]
    if experiment.description:
        parts += [experiment.description, ""]
    parts += [
             f"Written {collected['written']} by mm-experiment from the runs under this folder. Accuracy is "
             "per-token accuracy for text targets and top-1 for class targets; log(perplexity) is the mean "
             "negative log-likelihood per target token (per example for class targets); full tree is the "
             "fraction of greedily decoded dev parses that match the reference tree exactly. Cells are the "
             "final dev eval of each run; with several seeds, mean ± sample std (n seeds). 'Same' in a "
             "direction means a difference within the seeds' spread (or none).", ""]
    seeds = sorted({int(s) for entry in collected["runs"].values() for s in entry["seeds"]})
    if len(seeds) == 1:
        parts += [f"Seed: {seeds[0]}, one run per setting, so no spread (mm-experiment --seeds=1,2,3 trains "
                  "each run with several seeds).", ""]
    else:
        parts += [f"Seeds: {', '.join(map(str, seeds))} (each run trained with each; cells are mean ± std "
                  "over them, each seed's value is in results.json).", ""]
    if experiment.notes:
        parts += [experiment.notes, ""]
    for table, summary in zip(experiment.tables, collected["tables"]):
        header, rows = table_rows(table, summary)
        parts += [f"## {table.title}", ""]
        if table.paper_caption:
            parts += [table.paper_caption, ""]
        parts += [_md_table(header, rows), ""]
        headline = _headline(table, summary)
        if headline:
            caveat = (" (one seed per run: a direction here is not yet a significant difference; "
                      "--seeds gives the spread)" if len(seeds) == 1 else "")
            parts += [f"Directions{caveat}:", "", headline, ""]
        comparisons = _comparison_lines(table, summary)
        if comparisons:
            parts += ["<details><summary>Every comparison, every metric</summary>", "", comparisons, "",
                      "</details>", ""]
        if table.notes:
            parts += [table.notes, ""]
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header] + rows)
        atomic.write_text(os.path.join(output_dir, "tables", f"{table.name}.csv"), buffer.getvalue())
    parts += ["## Runs", "", _runs_section(collected), ""]
    if plots:
        parts += ["## Dev metrics over training", "",
                  "Each problem's dev metrics against the steps trained on that problem (for a joint run: "
                  "the steps the sampler gave it), one line per run; with several seeds the line is the mean "
                  "and the band spans the seeds.", ""]
        parts += [f"![{os.path.basename(p)}]({os.path.relpath(p, output_dir)})" for p in plots] + [""]
    finals = _finals_section(collected)
    if finals:
        parts += ["## Final metrics of every run", "", finals, ""]
    atomic.write_text(os.path.join(output_dir, "report.md"), "\n".join(parts))
    return collected
