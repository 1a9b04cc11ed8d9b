#!/usr/bin/env python3
"""Independent NLL values for the C++ tests: -pyhf.Model.logpdf at the suggested inits.

The shared reference.json files give the NLL at the best fit only. This script re-implements
pyhf's default semantics (../../../../shared/spec/histfactory.md) in plain Python, in a different
arrangement from the C++ code (pyhf's global sample x modifier masks, Decimal arithmetic with 40
digits, lgamma by Stirling's series in Decimal, code4 coefficients by solving the 6x6 system with
exact fractions), checks that it reproduces every reference best-fit NLL, and writes the NLL at
the inits to tests/likelihood/data/nll_at_inits.json.

Usage: python3 nll_at_inits.py [SHARED_HISTFACTORY_DIR]   (standard library only)
"""
import json
import math
import os
import sys
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 40
D = Decimal
LOG_2PI = (2 * D('3.141592653589793238462643383279502884197')).ln()
# Bernoulli numbers B2..B20 for Stirling's series.
BERNOULLI = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30), Fraction(5, 66),
             Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510), Fraction(43867, 798), Fraction(-174611, 330)]


def lgamma(z):
    """ln Gamma(z) for z > 0 in Decimal: shift z above 40, then Stirling's series."""
    z = D(z)
    shift = D(0)
    while z < 40:
        shift += z.ln()
        z += 1
    s = (z - D('0.5')) * z.ln() - z + LOG_2PI / 2
    for k, b in enumerate(BERNOULLI, start=1):
        s += D(b.numerator) / D(b.denominator) / (D(2 * k) * D(2 * k - 1) * z ** (2 * k - 1))
    return s - shift


def solve(a, r):
    """Gaussian elimination in exact fractions."""
    n = len(r)
    m = [row[:] + [rv] for row, rv in zip(a, r)]
    for i in range(n):
        p = next(k for k in range(i, n) if m[k][i] != 0)
        m[i], m[p] = m[p], m[i]
        for k in range(n):
            if k != i and m[k][i] != 0:
                f = m[k][i] / m[i][i]
                m[k] = [x - f * y for x, y in zip(m[k], m[i])]
    return [m[i][n] / m[i][i] for i in range(n)]


def code4_coefficients(lo, hi):
    # p(a) = sum c_i a^i; conditions at a = +1, -1 on value, first and second derivative.
    rows = []
    for a in (1, -1):
        rows.append([Fraction(a) ** i for i in range(1, 7)])
    for a in (1, -1):
        rows.append([i * Fraction(a) ** (i - 1) for i in range(1, 7)])
    for a in (1, -1):
        rows.append([i * (i - 1) * Fraction(a) ** (i - 2) if i >= 2 else Fraction(0) for i in range(1, 7)])
    lu, ld = math.log(hi), math.log(lo)
    r = [hi - 1, lo - 1, hi * lu, -lo * ld, hi * lu * lu, lo * ld * ld]
    rows = [rows[0], rows[1], rows[2], rows[3], rows[4], rows[5]]
    return [float(c) for c in solve(rows, [Fraction(x) for x in r])]


def kappa_code4(alpha, lo, hi):
    if alpha >= 1:
        return D(hi) ** D(alpha) if hi > 0 else D('NaN')
    if alpha <= -1:
        return D(lo) ** D(-alpha)
    c = code4_coefficients(lo, hi)
    return 1 + sum(D(ci) * D(alpha) ** (i + 1) for i, ci in enumerate(c))


def delta_code4p(alpha, lo, nom, hi):
    dp, dm = D(hi) - D(nom), D(nom) - D(lo)
    a = D(alpha)
    if alpha > 1:
        return a * dp
    if alpha < -1:
        return a * dm
    s, t = (dp + dm) / 2, (dp - dm) / 16
    return a * s + a * a * t * (15 - 10 * a * a + 3 * a ** 4)


class Model:
    def __init__(self, ws):
        meas = ws['measurements'][0]
        self.channels = sorted(c['name'] for c in ws['channels'])
        chans = {c['name']: c for c in ws['channels']}
        self.samples = sorted({s['name'] for c in ws['channels'] for s in c['samples']})
        self.modifiers = sorted({(m['name'], m['type']) for c in ws['channels'] for s in c['samples'] for m in s['modifiers']})
        self.nbins = {c: len(chans[c]['samples'][0]['data']) for c in self.channels}
        # mega[channel][sample] = (nominal, {(name, type): data})
        self.mega = {}
        for c in self.channels:
            for s in self.samples:
                found = [x for x in chans[c]['samples'] if x['name'] == s]
                if found:
                    smp = found[0]
                    self.mega[(c, s)] = (smp['data'], {(m['name'], m['type']): m['data'] for m in smp['modifiers']})
        order = ['histosys', 'lumi', 'normfactor', 'normsys', 'shapefactor', 'shapesys', 'staterror']
        req = {t: {} for t in order}  # type -> name -> spec (insertion ordered)
        stat_names = sorted({n for n, t in self.modifiers if t == 'staterror'})
        for c in self.channels:
            for s in self.samples:
                if (c, s) not in self.mega:
                    continue
                nom, mods = self.mega[(c, s)]
                for (n, t) in self.modifiers:
                    if (n, t) not in mods or t == 'staterror':
                        continue
                    if n in req[t]:
                        continue
                    if t in ('histosys', 'normsys'):
                        req[t][n] = dict(n=1, init=[0.0], bounds=[[-5.0, 5.0]], fixed=[False], aux=[0.0], sigma=[1.0], kind='normal', scalar=True)
                    elif t == 'normfactor':
                        req[t][n] = dict(n=1, init=[1.0], bounds=[[0.0, 10.0]], fixed=[False], kind=None, scalar=True)
                    elif t == 'lumi':
                        req[t][n] = dict(n=1, init=None, bounds=None, fixed=[False], aux=None, sigma=None, kind='normal', scalar=True)
                    elif t == 'shapefactor':
                        k = len(nom)
                        req[t][n] = dict(n=k, init=[1.0] * k, bounds=[[0.0, 10.0]] * k, fixed=[False] * k, kind=None, scalar=False)
                    elif t == 'shapesys':
                        unc = mods[(n, t)]
                        valid = [a > 0 and b > 0 for a, b in zip(nom, unc)]
                        tau = [a * a / (b * b) if v else 1.0 for a, b, v in zip(nom, unc, valid)]
                        req[t][n] = dict(n=len(nom), init=[1.0] * len(nom), bounds=[[1e-10, 10.0]] * len(nom),
                                         fixed=[not v for v in valid], aux=tau, factors=tau, kind='poisson', scalar=False)
        for n in stat_names:
            covered = [c for c in self.channels if any((c, s) in self.mega and (n, 'staterror') in self.mega[(c, s)][1] for s in self.samples)]
            sig, fixed = [], []
            for c in covered:
                carriers = [s for s in self.samples if (c, s) in self.mega and (n, 'staterror') in self.mega[(c, s)][1]]
                for b in range(self.nbins[c]):
                    tot = sum(self.mega[(c, s)][0][b] for s in carriers)
                    rel2 = sum((self.mega[(c, s)][1][(n, 'staterror')][b] / tot) ** 2 for s in carriers) if tot > 0 else 0.0
                    sg = math.sqrt(rel2)
                    fixed.append(sg == 0)
                    sig.append(1.0 if sg == 0 else sg)
            k = len(sig)
            req['staterror'][n] = dict(n=k, init=[1.0] * k, bounds=[[1e-10, 10.0]] * k, fixed=fixed, aux=[1.0] * k,
                                       sigma=sig, kind='normal', scalar=False, covered=covered)
        self.sets = {}
        for t in order:
            for n, spec in req[t].items():
                if n not in self.sets:
                    spec['type'] = t
                    self.sets[n] = spec
        for p in meas['config']['parameters']:
            if p['name'] not in self.sets:
                continue
            spec = self.sets[p['name']]
            for key, field in (('inits', 'init'), ('bounds', 'bounds'), ('auxdata', 'aux'), ('sigmas', 'sigma'), ('factors', 'factors')):
                if key in p:
                    spec[field] = p[key]
            if 'fixed' in p:
                spec['fixed'] = [p['fixed']] * spec['n']
        self.offset, off = {}, 0
        self.names, self.inits = [], []
        for n, spec in self.sets.items():
            self.offset[n] = off
            off += spec['n']
            self.names += [n] if spec['scalar'] else [f'{n}[{i}]' for i in range(spec['n'])]
            self.inits += spec['init']
        obs = {o['name']: o['data'] for o in ws['observations']}
        self.main = [x for c in self.channels for x in obs[c]]
        self.poi = meas['config']['poi']

    def nll(self, pars):
        total = D(0)
        g = 0
        for c in self.channels:
            for b in range(self.nbins[c]):
                nu = D(0)
                for s in self.samples:
                    if (c, s) not in self.mega:
                        continue
                    nom, mods = self.mega[(c, s)]
                    add = D(nom[b])
                    fac = D(1)
                    for (n, t), data in mods.items():
                        o = self.offset[n]
                        if t == 'histosys':
                            add += delta_code4p(pars[o], data['lo_data'][b], nom[b], data['hi_data'][b])
                        elif t in ('normfactor', 'lumi'):
                            fac *= D(pars[o])
                        elif t == 'normsys':
                            fac *= kappa_code4(pars[o], data['lo'], data['hi'])
                        elif t in ('shapefactor', 'shapesys'):
                            fac *= D(pars[o + b])
                        elif t == 'staterror':
                            spec = self.sets[n]
                            start = sum(self.nbins[cc] for cc in spec['covered'][:spec['covered'].index(c)])
                            fac *= D(pars[o + start + b])
                    nu += fac * add
                n_obs = D(self.main[g])
                g += 1
                total += nu - (n_obs * nu.ln() if n_obs > 0 else 0) + lgamma(n_obs + 1)
        for n, spec in self.sets.items():
            o = self.offset[n]
            for i in range(spec['n']):
                x = D(pars[o + i])
                if spec['kind'] == 'normal':
                    sg, a = D(spec['sigma'][i]), D(spec['aux'][i])
                    total += (x - a) ** 2 / (2 * sg * sg) + sg.ln() + LOG_2PI / 2
                elif spec['kind'] == 'poisson':
                    a, tau = D(spec['aux'][i]), D(spec['factors'][i])
                    lam = x * tau
                    total += lam - (a * lam.ln() if a > 0 else 0) + lgamma(a + 1)
        return total


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '../../../../shared/data/histfactory')
    out = {'provenance': 'tests/likelihood/tools/nll_at_inits.py: independent Decimal(40 digits) evaluation of '
                         'pyhf semantics; nll_at_bestfit_minus_reference checks it against reference.json',
           'workspaces': {}}
    for name in sorted(os.listdir(root)):
        ref_path = os.path.join(root, name, 'reference.json')
        if not os.path.exists(ref_path):
            continue
        ws = json.load(open(os.path.join(root, name, 'workspace.json')))
        ref = json.load(open(ref_path))
        model = Model(ws)
        assert model.names == ref['parameters']['names'], name
        best = model.nll(ref['bestfit']['values'])
        diff = float(best - D(ref['bestfit']['nll']))
        init = model.nll(model.inits)
        print(f'{name:40s} nll(init) = {float(init):.15g}  nll(best) - reference = {diff:.3g}')
        assert abs(diff) < 1e-9 * abs(ref['bestfit']['nll']), name
        out['workspaces'][name] = {'nll_at_inits': float(init), 'nll_at_bestfit_minus_reference': diff}
    with open(os.path.join(here, '../data/nll_at_inits.json'), 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
