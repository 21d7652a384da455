"""Learning-rate sequences from PyTorch's schedulers, for tuneup's schedule tests.

    python3 -m venv /tmp/torch-venv && /tmp/torch-venv/bin/pip install torch==2.15.0
    /tmp/torch-venv/bin/python make_expected.py > expected.json

Each case: tuneup's `[schedule]` spec (as JSON), the PyTorch scheduler built the same way, the
base rate, and the rate in force at each of T intervals (read before each `scheduler.step()`).
"""
import json
import warnings

import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")
BASE, T = 0.1, 30
cases = []


def run(name, spec, make, metrics=None, base=BASE, t=T):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = SGD([p], lr=base)
    sched = make(opt)
    lrs = []
    for i in range(t):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
    full = {"interval": "epoch", "warmup": 0, "warmup_start_factor": 0.0, **spec}
    cases.append({"name": name, "spec": full, "base": base, "t": t, "metrics": metrics, "lrs": lrs})


def warm(opt, main, w, s):
    return S.SequentialLR(opt, [S.LinearLR(opt, start_factor=s, end_factor=1.0, total_iters=w), main], milestones=[w])


run("constant", {"kind": "constant"}, lambda o: S.LambdaLR(o, lambda e: 1.0))
run("step", {"kind": "step", "step_size": 7, "gamma": 0.5}, lambda o: S.StepLR(o, 7, 0.5))
run("multistep", {"kind": "multistep", "milestones": [5, 12, 20], "gamma": 0.3}, lambda o: S.MultiStepLR(o, [5, 12, 20], 0.3))
run("multiplicative", {"kind": "multiplicative", "factor": 0.9}, lambda o: S.MultiplicativeLR(o, lambda e: 0.9))
run("exponential", {"kind": "exponential", "gamma": 0.93}, lambda o: S.ExponentialLR(o, 0.93))
run("cosine", {"kind": "cosine", "t_max": None, "eta_min": 0.001}, lambda o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001))
run("cosine_short", {"kind": "cosine", "t_max": 10, "eta_min": 0.0}, lambda o: S.CosineAnnealingLR(o, T_max=10))
run("cosine_restarts", {"kind": "cosine_restarts", "t_0": 5, "t_mult": 1, "eta_min": 0.0}, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5))
run("cosine_restarts_mult", {"kind": "cosine_restarts", "t_0": 4, "t_mult": 2, "eta_min": 0.01}, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=0.01))
run("one_cycle", {"kind": "one_cycle", "interval": "step", "max_lr": 0.5, "pct_start": 0.3, "div_factor": 25.0, "final_div_factor": 1e4, "anneal": "cos", "three_phase": False},
    lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=30, cycle_momentum=False))
run("one_cycle_linear_3", {"kind": "one_cycle", "interval": "step", "max_lr": None, "pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0, "anneal": "linear", "three_phase": True},
    lambda o: S.OneCycleLR(o, max_lr=BASE, total_steps=30, pct_start=0.25, div_factor=10.0, final_div_factor=100.0, anneal_strategy="linear", three_phase=True, cycle_momentum=False))
run("linear_up", {"kind": "linear", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 10}, lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=10))
run("linear_down", {"kind": "linear", "start_factor": 1.0, "end_factor": 0.1, "total_iters": None}, lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=30))
run("polynomial", {"kind": "polynomial", "power": 2.0, "total_iters": 20}, lambda o: S.PolynomialLR(o, total_iters=20, power=2.0))
run("warmup_cosine", {"kind": "cosine", "t_max": None, "eta_min": 0.0, "warmup": 5, "warmup_start_factor": 0.1},
    lambda o: warm(o, S.CosineAnnealingLR(o, T_max=25), 5, 0.1))
run("warmup_step", {"kind": "step", "step_size": 4, "gamma": 0.5, "warmup": 3, "warmup_start_factor": 0.2},
    lambda o: warm(o, S.StepLR(o, 4, 0.5), 3, 0.2))
metrics = [1.0, 0.8, 0.7, 0.69, 0.7, 0.71, 0.7, 0.69995, 0.6, 0.61, 0.62, 0.6, 0.63, 0.64, 0.59, 0.59, 0.59, 0.59, 0.58, 0.58,
           0.58, 0.58, 0.58, 0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56]
run("plateau_min", {"kind": "plateau", "mode": "min", "factor": 0.5, "patience": 2, "threshold": 1e-4, "threshold_mode": "rel", "cooldown": 1, "min_lr": 0.01},
    lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=1e-4, cooldown=1, min_lr=0.01), metrics=metrics)
acc = [0.5, 0.6, 0.65, 0.65, 0.66, 0.66, 0.66, 0.7, 0.7, 0.7, 0.7, 0.71, 0.71, 0.71, 0.71, 0.71, 0.8, 0.8, 0.8, 0.8,
       0.8, 0.8, 0.8, 0.8, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81]
run("plateau_max_abs", {"kind": "plateau", "mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.005, "threshold_mode": "abs", "cooldown": 0, "min_lr": 0.0},
    lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1, threshold=0.005, threshold_mode="abs"), metrics=acc)
print(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1))
