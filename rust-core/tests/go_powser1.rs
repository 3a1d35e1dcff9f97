//! Power series as networks of threads and rendezvous channels, following
//! Go's `test/chan/powser1.go` (Doug McIlroy's "Squinting at Power Series"),
//! written from its scenario with exact rational coefficients.
//!
//! A series is a demand channel pair: a consumer sends on `req` and then
//! receives the next coefficient on `dat`; `None` marks the end of a finite
//! series. Every operator is a thread that serves demands by making demands
//! of its inputs, so one coefficient of `exp(x/(1-x))` sets hundreds of
//! threads and selects in motion. Like Go's goroutines, the generators are
//! never stopped: they stay blocked when the test is over.

use std::thread;
use std::time::Duration;

use num_bigint::BigInt;
use num_rational::BigRational;
use polyconc::chan::{Chan, Select};

type Rat = BigRational;
/// A coefficient, or `None` after the last one.
type Item = Option<Rat>;

/// How long the test waits for one coefficient before calling the network
/// stalled; only a lost wake-up or a deadlock can take this long.
const STALL: Duration = Duration::from_secs(60);

/// Terms checked per series (Go's N).
const N: usize = 10;

#[derive(Clone)]
struct Ps {
    req: Chan<()>,
    dat: Chan<Item>,
}

fn mk_ps() -> Ps {
    Ps {
        req: Chan::new(0),
        dat: Chan::new(0),
    }
}

fn rat(n: i64, d: i64) -> Rat {
    Rat::new(BigInt::from(n), BigInt::from(d))
}

fn int(n: i64) -> Rat {
    rat(n, 1)
}

/// Starts a generator thread. Stacks are kept small: a network holds
/// hundreds of these threads, almost all of them blocked.
fn go(f: impl FnOnce() + Send + 'static) {
    thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("spawn a power-series thread");
}

/// A consumer's demand: ask, then take the answer.
fn get(u: &Ps) -> Item {
    u.req.send(()).expect("series channels are never closed");
    u.dat.recv().expect("series channels are never closed")
}

/// A producer's supply: wait for a demand, then answer it.
fn put(x: Item, z: &Ps) {
    z.req.recv().expect("series channels are never closed");
    z.dat.send(x).expect("series channels are never closed");
}

/// One coefficient from each of two series, demanded concurrently: a select
/// over the two requests and the two answers, each case disabled (Go's nil
/// channel) once it has fired or until its request has gone out.
fn get2(u: &Ps, v: &Ps) -> (Item, Item) {
    enum Event {
        Asked(usize),
        Got(usize, Item),
    }
    let ins = [u, v];
    let mut req = [Some(&u.req), Some(&v.req)];
    let mut dat: [Option<&Chan<Item>>; 2] = [None, None];
    let mut out: [Option<Item>; 2] = [None, None];
    for _ in 0..4 {
        let event = Select::new()
            .send(req[0], (), |r| r.map(|_| Event::Asked(0)))
            .send(req[1], (), |r| r.map(|_| Event::Asked(1)))
            .recv(dat[0], |r| Ok(Event::Got(0, r.expect("open"))))
            .recv(dat[1], |r| Ok(Event::Got(1, r.expect("open"))))
            .select()
            .expect("series channels are never closed");
        match event {
            Event::Asked(i) => {
                req[i] = None;
                dat[i] = Some(&ins[i].dat);
            }
            Event::Got(i, x) => {
                dat[i] = None;
                out[i] = Some(x);
            }
        }
    }
    let [a, b] = out.map(|x| x.expect("both answers arrived"));
    (a, b)
}

/// Serves `z` from `u` forever.
fn copy(u: &Ps, z: &Ps) -> ! {
    loop {
        z.req.recv().expect("series channels are never closed");
        z.dat
            .send(get(u))
            .expect("series channels are never closed");
    }
}

/// Hands each coefficient of `u` to both outputs, which may be read at
/// different rates. One generation of `dosplit` serves one coefficient and
/// starts the next generation; the newest serves whichever output asks
/// first (renamed `out[0]`), the oldest the other one, and `wait` tells a
/// generation that its predecessor has served both.
fn dosplit(u: Ps, mut out: [Ps; 2], wait: Chan<()>) {
    let mut both = false;
    let asked_first = Select::new()
        .recv(&out[0].req, |_| false)
        .recv(&wait, |_| true)
        .select();
    if asked_first {
        both = true;
        let swap = Select::new()
            .recv(&out[0].req, |_| false)
            .recv(&out[1].req, |_| true)
            .select();
        if swap {
            out.swap(0, 1);
        }
    }
    u.req.send(()).expect("open");
    let release = Chan::new(0);
    {
        let (u, out, release) = (u.clone(), out.clone(), release.clone());
        go(move || dosplit(u, out, release));
    }
    let x = u.dat.recv().expect("open");
    out[0].dat.send(x.clone()).expect("open");
    if !both {
        wait.recv().expect("open");
    }
    out[1].req.recv().expect("open");
    out[1].dat.send(x).expect("open");
    release.send(()).expect("open");
}

/// Starts splitting `u` onto `out`.
fn split(u: Ps, out: [Ps; 2]) {
    let release = Chan::new(0);
    {
        let release = release.clone();
        go(move || dosplit(u, out, release));
    }
    release.send(()).expect("open");
}

fn split_ps(u: Ps) -> [Ps; 2] {
    let out = [mk_ps(), mk_ps()];
    split(u, out.clone());
    out
}

/// c, c, c, ...
fn rep(c: Rat) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || loop {
        put(Some(c.clone()), &z2);
    });
    z
}

fn add(u: Ps, v: Ps) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || loop {
        z2.req.recv().expect("open");
        match get2(&u, &v) {
            (Some(a), Some(b)) => z2.dat.send(Some(a + b)).expect("open"),
            (None, b) => {
                z2.dat.send(b).expect("open");
                copy(&v, &z2);
            }
            (a, None) => {
                z2.dat.send(a).expect("open");
                copy(&u, &z2);
            }
        }
    });
    z
}

/// c * U
fn cmul(c: Rat, u: Ps) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || loop {
        z2.req.recv().expect("open");
        let x = get(&u).map(|x| &c * x);
        let end = x.is_none();
        z2.dat.send(x).expect("open");
        if end {
            return;
        }
    });
    z
}

fn sub(u: Ps, v: Ps) -> Ps {
    add(u, cmul(int(-1), v))
}

/// c + x * U
fn shift(c: Rat, u: Ps) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || {
        put(Some(c), &z2);
        copy(&u, &z2);
    });
    z
}

/// With U = u + x UU and V = v + x VV:
/// UV = uv + x (u VV + v UU) + x^2 UU VV.
fn mul(u: Ps, v: Ps) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || {
        z2.req.recv().expect("open");
        let (Some(a), Some(b)) = get2(&u, &v) else {
            z2.dat.send(None).expect("open");
            return;
        };
        z2.dat.send(Some(&a * &b)).expect("open");
        let [uu0, uu1] = split_ps(u);
        let [vv0, vv1] = split_ps(v);
        let w = add(cmul(a, vv0), cmul(b, uu0));
        z2.req.recv().expect("open");
        z2.dat.send(get(&w)).expect("open");
        copy(&add(w, mul(uu1, vv1)), &z2);
    });
    z
}

/// dU/dx
fn diff(u: Ps) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || {
        z2.req.recv().expect("open");
        if get(&u).is_some() {
            for i in 1.. {
                match get(&u) {
                    None => break,
                    Some(x) => {
                        z2.dat.send(Some(int(i) * x)).expect("open");
                        z2.req.recv().expect("open");
                    }
                }
            }
        }
        z2.dat.send(None).expect("open");
    });
    z
}

/// c + the integral of U
fn integ(c: Rat, u: Ps) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || {
        put(Some(c), &z2);
        for i in 1.. {
            z2.req.recv().expect("open");
            let x = get(&u).map(|x| x / int(i));
            let end = x.is_none();
            z2.dat.send(x).expect("open");
            if end {
                return;
            }
        }
    });
    z
}

/// 1/U, from (u + x UU)(z + x ZZ) = 1: z = 1/u, ZZ = -UU (z + x ZZ) / u.
fn recip(u: Ps) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || {
        let zz = [mk_ps(), mk_ps()];
        z2.req.recv().expect("open");
        let z0 = int(1) / get(&u).expect("a series with a constant term");
        z2.dat.send(Some(z0.clone())).expect("open");
        let uu = u.clone();
        split(
            mul(cmul(-z0.clone(), uu), shift(z0, zz[0].clone())),
            zz.clone(),
        );
        copy(&zz[1], &z2);
    });
    z
}

/// exp(U) for U with a zero constant term: Z' = Z U', integrated.
fn exp(u: Ps) -> Ps {
    let zz = [mk_ps(), mk_ps()];
    split(integ(int(1), mul(zz[0].clone(), diff(u))), zz.clone());
    zz[1].clone()
}

/// U(c x^n): each coefficient u_i becomes c^i u_i followed by n-1 zeros.
fn mon_subst(u: Ps, c0: Rat, n: usize) -> Ps {
    let z = mk_ps();
    let z2 = z.clone();
    go(move || {
        let mut c = int(1);
        loop {
            z2.req.recv().expect("open");
            let x = get(&u).map(|x| x * &c);
            let end = x.is_none();
            z2.dat.send(x).expect("open");
            if end {
                return;
            }
            c *= &c0;
            for _ in 1..n {
                put(Some(int(0)), &z2);
            }
        }
    });
    z
}

/// Checks the first coefficients of `u`.
#[track_caller]
fn check(u: &Ps, want: &[Rat], what: &str) {
    for (i, w) in want.iter().enumerate() {
        u.req
            .send_timeout((), STALL)
            .unwrap_or_else(|e| panic!("{what}: coefficient {i} never asked for: {e:?}"));
        let got = u
            .dat
            .recv_timeout(STALL)
            .unwrap_or_else(|e| panic!("{what}: coefficient {i} never came: {e:?}"));
        assert_eq!(got.as_ref(), Some(w), "{what}: coefficient {i}");
    }
}

fn ones() -> Ps {
    rep(int(1))
}

#[test]
fn powser_elementary() {
    check(&ones(), &vec![int(1); 5], "Ones");
    let o = ones();
    check(&add(o.clone(), o), &vec![int(2); N], "Add Ones Ones");
    check(&add(ones(), rep(int(2))), &vec![int(3); N], "Add Ones Twos");
    check(
        &sub(ones(), rep(int(2))),
        &vec![int(-1); N],
        "Sub Ones Twos",
    );
    check(&cmul(int(-1), rep(int(2))), &vec![int(-2); N], "Cmul");
    let d: Vec<Rat> = (1..=N as i64).map(int).collect();
    check(&diff(ones()), &d, "Diff"); // 1 2 3 4 5 ...
    let mut integral = vec![int(0)];
    integral.extend((1..N as i64).map(|i| rat(1, i)));
    check(&integ(int(0), ones()), &integral, "Integ"); // 0 1 1/2 1/3 ...
}

#[test]
fn powser_mul_recip() {
    let m: Vec<Rat> = (1..=N as i64).map(int).collect();
    check(&mul(ones(), ones()), &m, "Mul"); // 1/(1-x)^2 = 1 2 3 4 ...
    let mut r = vec![int(1), int(-1)];
    r.resize(N, int(0));
    check(&recip(ones()), &r, "Recip"); // 1 - x
}

#[test]
fn powser_exp() {
    // exp(x/(1-x)): Go's expected coefficients.
    let e = [
        int(1),
        int(1),
        rat(3, 2),
        rat(13, 6),
        rat(73, 24),
        rat(167, 40),
        rat(4051, 720),
        rat(37633, 5040),
        rat(43817, 4480),
        rat(4596553, 362880),
    ];
    check(&exp(ones()), &e, "Exp");
}

#[test]
fn powser_atan() {
    // atan(x) = integral of 1/(1+x^2) = x - x^3/3 + x^5/5 - ...
    let at: Vec<Rat> = (0..N as i64)
        .map(|i| match i % 4 {
            1 => rat(1, i),
            3 => rat(-1, i),
            _ => int(0),
        })
        .collect();
    check(&integ(int(0), mon_subst(ones(), int(-1), 2)), &at, "ATan");
}
