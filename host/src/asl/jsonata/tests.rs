//! End-to-end tests of expressions, drawn from the JSONata documentation.

#[cfg(test)]
mod probe {
    use super::super::*;

    #[test]
    #[ignore]
    fn stack_per_level() {
        for n in [10, 20, 40, 80, 160, 320] {
            let e = Expression::parse(&format!(
                "($f := function($n){{$n = 0 ? 1 : 1 + $f($n - 1)}}; $f({n}))"
            ))
            .unwrap();
            let r = e.evaluate(None, &Bindings::new(), &Environment::default());
            eprintln!("{n}: {:?}", r.map(|_| ()).map_err(|e| e.code));
        }
    }
}
