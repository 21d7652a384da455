"""Optuna's side of bench/store_workers.sh: WORKERS processes each run COUNT trials of one study
on Optuna's RDB storage (PostgreSQL through psycopg2), a free objective (Branin) and the given
sampler; prints {"peer": "optuna", "asks": N, "seconds": S, "trials": T, "distinct": D}.

  python store_workers.py URL STUDY WORKERS COUNT [random|tpe]
"""
import json, math, multiprocessing as mp, sys, time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(t):
    x1 = t.suggest_float("x1", -5.0, 10.0)
    x2 = t.suggest_float("x2", 0.0, 15.0)
    b, c, r, s, tt = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6.0, 10.0, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - tt) * math.cos(x1) + s


def work(args):
    url, name, count, sampler, seed = args
    s = optuna.samplers.RandomSampler(seed=seed) if sampler == "random" else optuna.samplers.TPESampler(seed=seed)
    study = optuna.load_study(study_name=name, storage=url, sampler=s)
    study.optimize(branin, n_trials=count)


def main():
    url, name, workers, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sampler = sys.argv[5] if len(sys.argv) > 5 else "random"
    optuna.create_study(study_name=name, storage=url)
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(workers) as pool:
        pool.map(work, [(url, name, count, sampler, i) for i in range(workers)])
    seconds = time.perf_counter() - t0
    trials = optuna.load_study(study_name=name, storage=url).get_trials(deepcopy=False)
    numbers = {t.number for t in trials}
    print(json.dumps({"peer": "optuna", "version": optuna.__version__, "asks": workers * count,
                      "seconds": round(seconds, 3), "trials": len(trials), "distinct": len(numbers),
                      "complete": sum(t.state == optuna.trial.TrialState.COMPLETE for t in trials)}))


if __name__ == "__main__":
    main()
