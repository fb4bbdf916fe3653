//! The evaluator: JSONata's semantics over [`Node`]s, following jsonata-js's `evaluate` closely
//! (paths and their sequences, tuple streams, predicates, grouping, sorting, function calls with
//! a trampoline for tail calls, partial application, transforms).
//!
//! It is bounded so hostile expressions fail instead of hanging or overflowing the stack: a
//! budget of evaluation steps, a limit on nesting depth (of evaluation and of built values) and
//! on the size of sequences.

use std::sync::Arc;

use indexmap::IndexMap;

use super::ast::{BinOp, Group, Kind, Node, SortTerm, Stage, TransformDef};
use super::error::{Failure, Result, stack_position};
use super::functions;
use super::value::{
    Array, Frame, FrameRegistry, Function, Lambda, Tuple, Value, deep_equal, describe, truthy,
};

/// The bounds of one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Evaluation steps (nodes evaluated, function applications, items produced in bulk).
    pub max_steps: u64,
    /// Nesting of evaluation (recursion of non-tail calls, deeply nested expressions).
    pub max_depth: usize,
    /// Items in one sequence or array built by the range operator, `$range` and similar.
    pub max_items: usize,
    /// Nesting of arrays and objects in a value.
    pub max_value_depth: u32,
    /// Bytes of native stack the evaluation may use below its entry point. The host runs on
    /// threads with 2 MiB stacks (tokio's default); this leaves room for what runs above it.
    pub max_stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 5_000_000,
            max_depth: 1000,
            max_items: 1_000_000,
            max_value_depth: 400,
            max_stack_bytes: 1024 * 1024,
        }
    }
}

/// A deterministic generator (SplitMix64) for `$random`, `$shuffle` and `$uuid`.
pub use crate::asl::random::SplitMix64 as Rng;

/// What a lambda body evaluates to: a value, or a call in tail position still to be made.
enum Flow {
    Value(Value),
    /// The function, its arguments, and the call's position and name for errors.
    Tail(Value, Vec<Value>, usize, String),
}

pub struct Evaluator<'x> {
    labels: &'x [String],
    pub now_ms: i64,
    pub rng: Rng,
    pub limits: Limits,
    steps: u64,
    depth: usize,
    /// The address of a local of the outermost `eval`: stack use is measured from it.
    stack_base: usize,
    pub frames: FrameRegistry,
}

/// The error for an exhausted step budget.
pub fn timeout() -> Failure {
    Failure::new("U1002")
}

/// The error for too much data.
pub fn too_large() -> Failure {
    Failure::new("U1003")
}

impl<'x> Evaluator<'x> {
    pub fn new(labels: &'x [String], now_ms: i64, seed: u64, limits: Limits) -> Self {
        Evaluator {
            labels,
            now_ms,
            rng: Rng::new(seed),
            limits,
            steps: 0,
            depth: 0,
            stack_base: 0,
            frames: FrameRegistry::default(),
        }
    }

    /// Charges `n` steps to the budget.
    pub fn charge(&mut self, n: u64) -> Result<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.limits.max_steps {
            Err(timeout())
        } else {
            Ok(())
        }
    }

    /// Refuses a sequence of `n` items if it is too long.
    pub fn check_items(&mut self, n: usize) -> Result<()> {
        if n > self.limits.max_items {
            return Err(too_large());
        }
        self.charge(n as u64 / 8)
    }

    pub fn new_frame(&mut self, parent: &Arc<Frame>) -> Arc<Frame> {
        let f = Frame::child(parent);
        self.frames.register(&f);
        f
    }

    // -----------------------------------------------------------------------------------------
    // evaluate
    // -----------------------------------------------------------------------------------------

    pub fn eval(&mut self, node: &Node, input: &Value, env: &Arc<Frame>) -> Result<Value> {
        self.charge(1)?;
        let here = stack_position();
        if self.depth == 0 {
            self.stack_base = here;
        }
        if self.depth >= self.limits.max_depth
            || self.stack_base.abs_diff(here) > self.limits.max_stack_bytes
        {
            return Err(Failure::new("U1001").at(node.position));
        }
        self.depth += 1;
        let result = self.eval_node(node, input, env);
        self.depth -= 1;
        let result = result?;
        if result.depth() > self.limits.max_value_depth {
            return Err(too_large().at(node.position));
        }
        Ok(result)
    }

    /// Dispatches on the node kind. Each arm calls out so that this function, which every level
    /// of evaluation passes through, keeps a small stack frame (debug builds give every local of
    /// every arm its own slot).
    fn eval_node(&mut self, node: &Node, input: &Value, env: &Arc<Frame>) -> Result<Value> {
        let result = match &node.kind {
            Kind::Path(steps) => self.eval_path(node, steps, input, env)?,
            Kind::Binary(op, lhs, rhs) => self.eval_binary(node, *op, lhs, rhs, input, env)?,
            Kind::Call {
                procedure, args, ..
            } => self.eval_call(node, procedure, args, input, env, None)?,
            Kind::Condition {
                cond,
                then,
                otherwise,
            } => self.eval_condition(cond, then, otherwise.as_deref(), input, env)?,
            Kind::Block(exprs) => self.eval_block(exprs, input, env)?,
            Kind::Variable(name) => eval_variable(name, input, env),
            Kind::Name(name) => lookup_field(input, name),
            _ => self.eval_other(node, input, env)?,
        };
        if node.predicate.is_empty() && node.group.is_none() && !node.keep_array {
            return Ok(normalize(result, false));
        }
        self.post_process(node, result, env)
    }

    #[inline(never)]
    fn eval_condition(
        &mut self,
        cond: &Node,
        then: &Node,
        otherwise: Option<&Node>,
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Value> {
        let c = self.eval(cond, input, env)?;
        if truthy(&c).unwrap_or(false) {
            self.eval(then, input, env)
        } else if let Some(o) = otherwise {
            self.eval(o, input, env)
        } else {
            Ok(Value::Undefined)
        }
    }

    #[inline(never)]
    fn eval_block(&mut self, exprs: &[Node], input: &Value, env: &Arc<Frame>) -> Result<Value> {
        let frame = self.new_frame(env);
        let mut result = Value::Undefined;
        for e in exprs {
            result = self.eval(e, input, &frame)?;
        }
        Ok(result)
    }

    /// Predicates, grouping and `[]` on a node that is not a path step.
    #[inline(never)]
    fn post_process(&mut self, node: &Node, mut result: Value, env: &Arc<Frame>) -> Result<Value> {
        for stage in &node.predicate {
            if let Stage::Filter { expr, .. } = stage {
                result = self.filter(expr, result, env)?;
            }
        }
        if !matches!(node.kind, Kind::Path(_))
            && let Some(group) = &node.group
        {
            result = self.eval_group_by(group, result, env)?;
        }
        Ok(normalize(result, node.keep_array))
    }

    #[inline(never)]
    fn eval_other(&mut self, node: &Node, input: &Value, env: &Arc<Frame>) -> Result<Value> {
        Ok(match &node.kind {
            Kind::Negate(expr) => {
                let v = self.eval(expr, input, env)?;
                match v {
                    Value::Undefined => Value::Undefined,
                    Value::Number(n) if !n.is_nan() => {
                        v.is_numeric().map_err(|e| e.at(node.position))?;
                        Value::Number(-n)
                    }
                    other => {
                        return Err(Failure::new("D1002")
                            .at(node.position)
                            .token("-")
                            .value(describe(&other)));
                    }
                }
            }
            Kind::ArrayCons(items) => {
                let mut out: Vec<Value> = Vec::with_capacity(items.len());
                for item in items {
                    let v = self.eval(item, input, env)?;
                    if v.is_undefined() {
                        continue;
                    }
                    if matches!(item.kind, Kind::ArrayCons(_)) {
                        out.push(v);
                    } else {
                        match v {
                            Value::Array(a) => out.extend(a.items.iter().cloned()),
                            v => out.push(v),
                        }
                    }
                    self.check_items(out.len())?;
                }
                let mut arr = Array::new(out);
                arr.cons = node.consarray;
                Value::Array(Arc::new(arr))
            }
            Kind::ObjectCons(pairs) => self.eval_group(pairs, node.position, input, env)?,
            Kind::String(s) => Value::string(s.as_str()),
            Kind::Number(n) => Value::Number(*n),
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Null => Value::Null,
            Kind::Wildcard => wildcard(input),
            Kind::Descendant => {
                if input.is_undefined() {
                    Value::Undefined
                } else {
                    let mut out = Vec::new();
                    descendants(input, &mut out);
                    self.check_items(out.len())?;
                    if out.len() == 1 {
                        out.pop().unwrap_or_default()
                    } else {
                        Value::sequence(out)
                    }
                }
            }
            Kind::Parent(slot) => {
                let label = self.labels.get(*slot).map(String::as_str).unwrap_or("");
                env.lookup(label).unwrap_or_default()
            }
            Kind::Elvis(lhs, rhs) => {
                let v = self.eval(lhs, input, env)?;
                if truthy(&v).unwrap_or(false) {
                    v
                } else {
                    self.eval(rhs, input, env)?
                }
            }
            Kind::Coalesce(lhs, rhs) => {
                let v = self.eval(lhs, input, env)?;
                if v.is_undefined() {
                    self.eval(rhs, input, env)?
                } else {
                    v
                }
            }
            Kind::Bind(name, rhs) => {
                let v = self.eval(rhs, input, env)?;
                env.bind(name, v.clone());
                v
            }
            Kind::Regex(re) => Value::function(Function::Regex(re.clone())),
            Kind::Lambda(def) => Value::function(Function::Lambda(Lambda {
                def: def.clone(),
                params: def.params.clone(),
                signature: def.signature.clone(),
                input: input.clone(),
                env: env.clone(),
            })),
            Kind::Partial { procedure, args } => {
                self.eval_partial(node, procedure, args, input, env)?
            }
            Kind::Apply(lhs, rhs) => self.eval_apply(node, lhs, rhs, input, env)?,
            Kind::Transform(def) => Value::function(Function::Transform {
                def: def.clone(),
                env: env.clone(),
            }),
            // A sort step only occurs inside a path.
            Kind::Sort(_) => self.eval_sort(node, input, env)?,
            Kind::Placeholder => return Err(Failure::new("S0201").at(node.position).token("?")),
            Kind::Path(_)
            | Kind::Binary(..)
            | Kind::Call { .. }
            | Kind::Condition { .. }
            | Kind::Block(_)
            | Kind::Variable(_)
            | Kind::Name(_) => Value::Undefined,
        })
    }

    // -----------------------------------------------------------------------------------------
    // paths
    // -----------------------------------------------------------------------------------------

    fn eval_path(
        &mut self,
        node: &Node,
        steps: &[Node],
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Value> {
        let first_is_var = steps
            .first()
            .is_some_and(|s| matches!(s.kind, Kind::Variable(_)));
        let mut input_seq = if !first_is_var && input.is_array() {
            input.clone()
        } else {
            Value::sequence(vec![input.clone()])
        };
        let mut result = Value::Undefined;
        let mut is_tuple = false;
        let mut tuples: Option<Value> = None;
        for (ii, step) in steps.iter().enumerate() {
            if step.tuple {
                is_tuple = true;
            }
            if ii == 0 && step.consarray {
                result = self.eval(step, &input_seq, env)?;
            } else if is_tuple {
                tuples = Some(self.eval_tuple_step(step, &input_seq, tuples.take(), env)?);
            } else {
                result = self.eval_step(step, &input_seq, env, ii == steps.len() - 1)?;
            }
            if !is_tuple {
                let empty = match &result {
                    Value::Undefined => true,
                    Value::Array(a) => a.items.is_empty(),
                    _ => false,
                };
                if empty {
                    break;
                }
            }
            if step.focus.is_none() {
                input_seq = result.clone();
            }
        }
        let tuples = if is_tuple {
            Some(tuples.unwrap_or_else(|| tuple_stream(Vec::new())))
        } else {
            None
        };
        if let Some(tuples) = &tuples {
            if node.tuple {
                result = tuples.clone();
            } else {
                let items = tuples
                    .as_array()
                    .map(|a| a.items.iter().map(tuple_at).collect())
                    .unwrap_or_default();
                result = Value::sequence(items);
            }
        }
        if node.keep_singleton_array {
            if let Value::Array(a) = &result
                && a.cons
                && !a.sequence
            {
                result = Value::sequence(vec![result.clone()]);
            }
            result = result.with_array_flags(|a| a.keep_singleton = true);
        }
        if let Some(group) = &node.group {
            let grouped_input = tuples.unwrap_or_else(|| result.clone());
            result = self.eval_group_by(group, grouped_input, env)?;
        }
        Ok(result)
    }

    fn eval_step(
        &mut self,
        step: &Node,
        input: &Value,
        env: &Arc<Frame>,
        last: bool,
    ) -> Result<Value> {
        if matches!(step.kind, Kind::Sort(_)) {
            let mut result = self.eval_sort(step, input, env)?;
            if !step.stages.is_empty() {
                result = self.eval_stages(&step.stages, result, env)?;
            }
            return Ok(result);
        }
        // The members without copying them out (a path runs this once per step).
        let items: &[Value] = match input {
            Value::Undefined => &[],
            Value::Array(a) => &a.items,
            v => std::slice::from_ref(v),
        };
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            let mut res = self.eval(step, item, env)?;
            for stage in &step.stages {
                if let Stage::Filter { expr, .. } = stage {
                    res = self.filter(expr, res, env)?;
                }
            }
            if !res.is_undefined() {
                results.push(res);
            }
        }
        if last
            && results.len() == 1
            && let Value::Array(a) = &results[0]
            && !a.sequence
        {
            return Ok(results.swap_remove(0));
        }
        let flattens = |v: &Value| matches!(v, Value::Array(a) if !a.cons);
        // Nothing to flatten (fields holding scalars or objects): the results are the sequence.
        if !results.iter().any(flattens) {
            self.check_items(results.len())?;
            return Ok(Value::sequence(results));
        }
        let mut out = Vec::with_capacity(results.len());
        for res in results {
            match res {
                Value::Array(a) if !a.cons => out.extend(a.items.iter().cloned()),
                v => out.push(v),
            }
        }
        self.check_items(out.len())?;
        Ok(Value::sequence(out))
    }

    fn frame_from_tuple(&mut self, env: &Arc<Frame>, tuple: &Tuple) -> Arc<Frame> {
        let frame = self.new_frame(env);
        for (k, v) in &tuple.bindings {
            frame.bind(k, v.clone());
        }
        frame
    }

    fn eval_tuple_step(
        &mut self,
        step: &Node,
        input: &Value,
        tuples: Option<Value>,
        env: &Arc<Frame>,
    ) -> Result<Value> {
        if matches!(step.kind, Kind::Sort(_)) {
            let mut result = match tuples {
                Some(t) => self.eval_sort(step, &t, env)?,
                None => {
                    let sorted = self.eval_sort(step, input, env)?;
                    let mut out = Vec::new();
                    for (i, item) in sorted.members().into_iter().enumerate() {
                        let mut t = Tuple {
                            at: item,
                            bindings: Vec::new(),
                        };
                        if let Some(index) = &step.index {
                            t.set(index, Value::Number(i as f64));
                        }
                        out.push(Value::Tuple(Arc::new(t)));
                    }
                    tuple_stream(out)
                }
            };
            if !step.stages.is_empty() {
                result = self.eval_stages(&step.stages, result, env)?;
            }
            return Ok(result);
        }
        let bindings: Vec<Arc<Tuple>> = match tuples {
            Some(t) => t
                .members()
                .into_iter()
                .map(|v| match v {
                    Value::Tuple(t) => t,
                    v => Arc::new(Tuple {
                        at: v,
                        bindings: Vec::new(),
                    }),
                })
                .collect(),
            None => input
                .members()
                .into_iter()
                .map(|v| {
                    Arc::new(Tuple {
                        at: v,
                        bindings: Vec::new(),
                    })
                })
                .collect(),
        };
        let mut out = Vec::new();
        for tuple in &bindings {
            let step_env = self.frame_from_tuple(env, tuple);
            let res = self.eval(step, &tuple.at, &step_env)?;
            if res.is_undefined() {
                continue;
            }
            let (items, res_is_tuples) = match &res {
                Value::Array(a) => (a.items.clone(), a.tuple_stream),
                v => (vec![v.clone()], false),
            };
            for (bb, item) in items.into_iter().enumerate() {
                let mut t: Tuple = (**tuple).clone();
                if res_is_tuples {
                    if let Value::Tuple(inner) = &item {
                        t.at = inner.at.clone();
                        for (k, v) in &inner.bindings {
                            t.set(k, v.clone());
                        }
                    }
                } else {
                    if let Some(focus) = &step.focus {
                        t.set(focus, item);
                        t.at = tuple.at.clone();
                    } else {
                        t.at = item;
                    }
                    if let Some(index) = &step.index {
                        t.set(index, Value::Number(bb as f64));
                    }
                    if let Some(slot) = step.ancestor {
                        let label = self.labels.get(slot).cloned().unwrap_or_default();
                        t.set(&label, tuple.at.clone());
                    }
                }
                out.push(Value::Tuple(Arc::new(t)));
            }
            self.check_items(out.len())?;
        }
        let mut result = tuple_stream(out);
        if !step.stages.is_empty() {
            result = self.eval_stages(&step.stages, result, env)?;
        }
        Ok(result)
    }

    fn eval_stages(&mut self, stages: &[Stage], input: Value, env: &Arc<Frame>) -> Result<Value> {
        let mut result = input;
        for stage in stages {
            match stage {
                Stage::Filter { expr, .. } => result = self.filter(expr, result, env)?,
                Stage::Index(name) => {
                    let items: Vec<Value> = result
                        .members()
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| match v {
                            Value::Tuple(t) => {
                                let mut t = (*t).clone();
                                t.set(name, Value::Number(i as f64));
                                Value::Tuple(Arc::new(t))
                            }
                            v => v,
                        })
                        .collect();
                    let tuple_flag = result.as_array().is_some_and(|a| a.tuple_stream);
                    result = if tuple_flag {
                        tuple_stream(items)
                    } else {
                        Value::sequence(items)
                    };
                }
            }
        }
        Ok(result)
    }

    /// A predicate `[expr]` applied to a sequence (jsonata-js `evaluateFilter`).
    fn filter(&mut self, predicate: &Node, input: Value, env: &Arc<Frame>) -> Result<Value> {
        let is_tuples = input.as_array().is_some_and(|a| a.tuple_stream);
        let items = match &input {
            Value::Array(a) => a.items.clone(),
            v => vec![v.clone()],
        };
        let mut results = Vec::new();
        if let Kind::Number(n) = predicate.kind {
            let mut index = n.floor();
            if index < 0.0 {
                index += items.len() as f64;
            }
            if index >= 0.0
                && let Some(item) = items.get(index as usize)
            {
                if let Value::Array(_) = item {
                    return Ok(item.clone());
                }
                results.push(item.clone());
            }
        } else {
            let len = items.len() as f64;
            for (index, item) in items.iter().enumerate() {
                let (context, frame) = match item {
                    Value::Tuple(t) if is_tuples => (t.at.clone(), self.frame_from_tuple(env, t)),
                    v => (v.clone(), env.clone()),
                };
                let res = self.eval(predicate, &context, &frame)?;
                let numbers: Option<Vec<f64>> = match &res {
                    Value::Number(n) => {
                        res.is_numeric()?;
                        Some(vec![*n])
                    }
                    Value::Array(a)
                        if !a.items.is_empty()
                            && a.items.iter().all(|v| matches!(v, Value::Number(_))) =>
                    {
                        Some(a.items.iter().filter_map(Value::as_number).collect())
                    }
                    _ => None,
                };
                match numbers {
                    Some(ns) => {
                        for n in ns {
                            let mut ii = n.floor();
                            if ii < 0.0 {
                                ii += len;
                            }
                            if ii == index as f64 {
                                results.push(item.clone());
                            }
                        }
                    }
                    None => {
                        if truthy(&res).unwrap_or(false) {
                            results.push(item.clone());
                        }
                    }
                }
            }
        }
        Ok(if is_tuples {
            tuple_stream(results)
        } else {
            Value::sequence(results)
        })
    }

    // -----------------------------------------------------------------------------------------
    // grouping and sorting
    // -----------------------------------------------------------------------------------------

    fn eval_group_by(&mut self, group: &Group, input: Value, env: &Arc<Frame>) -> Result<Value> {
        self.eval_group(&group.pairs, group.position, &input, env)
    }

    /// An object constructor over a sequence: items are grouped by the key each pair yields,
    /// then each pair's value expression is evaluated over its group.
    fn eval_group(
        &mut self,
        pairs: &[(Node, Node)],
        position: usize,
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Value> {
        let reduce = input.as_array().is_some_and(|a| a.tuple_stream);
        let mut items = match input {
            Value::Array(a) => a.items.clone(),
            v => vec![v.clone()],
        };
        if items.is_empty() {
            items.push(Value::Undefined);
        }
        // key -> (the group's data as jsonata-js appends it, index of the pair that made the key)
        let mut groups: IndexMap<String, (Value, usize)> = IndexMap::new();
        for item in &items {
            let (context, frame) = match item {
                Value::Tuple(t) if reduce => (t.at.clone(), self.frame_from_tuple(env, t)),
                v => (v.clone(), env.clone()),
            };
            for (pair_index, (key_expr, _)) in pairs.iter().enumerate() {
                let key = self.eval(key_expr, &context, &frame)?;
                let key = match key {
                    Value::Undefined => continue,
                    Value::String(s) => s,
                    other => {
                        return Err(Failure::new("T1003").at(position).value(describe(&other)));
                    }
                };
                match groups.get_mut(&*key) {
                    Some((data, idx)) => {
                        if *idx != pair_index {
                            return Err(Failure::new("D1009")
                                .at(position)
                                .value(describe(&Value::String(key))));
                        }
                        *data = functions::append(std::mem::take(data), item.clone());
                        self.charge(1)?;
                    }
                    None => {
                        groups.insert(key.to_string(), (item.clone(), pair_index));
                    }
                }
            }
        }
        let mut result = IndexMap::with_capacity(groups.len());
        for (key, (data, pair_index)) in groups {
            let (context, frame) = if reduce {
                let tuple = reduce_tuples(&data);
                let frame = self.frame_from_tuple(env, &tuple);
                (tuple.at, frame)
            } else {
                (data, env.clone())
            };
            let value = self.eval(&pairs[pair_index].1, &context, &frame)?;
            if !value.is_undefined() {
                result.insert(key, value);
            }
        }
        Ok(Value::object(result))
    }

    fn eval_sort(&mut self, node: &Node, input: &Value, env: &Arc<Frame>) -> Result<Value> {
        let Kind::Sort(terms) = &node.kind else {
            return Ok(input.clone());
        };
        let arr = match input {
            Value::Array(a) => a.clone(),
            Value::Undefined => return Ok(Value::Undefined),
            v => Arc::new(Array::new(vec![v.clone()])),
        };
        if arr.items.len() <= 1 {
            return Ok(Value::Array(arr));
        }
        let is_tuples = arr.tuple_stream;
        // The sort keys of every item, evaluated once.
        let mut keys: Vec<Vec<Value>> = Vec::with_capacity(arr.items.len());
        for item in &arr.items {
            let (context, frame) = match item {
                Value::Tuple(t) if is_tuples => (t.at.clone(), self.frame_from_tuple(env, t)),
                v => (v.clone(), env.clone()),
            };
            let mut k = Vec::with_capacity(terms.len());
            for term in terms {
                k.push(self.eval(&term.expr, &context, &frame)?);
            }
            keys.push(k);
        }
        let position = node.position;
        let order: Vec<usize> = (0..arr.items.len()).collect();
        let sorted = merge_sort(order, &mut |a: &usize, b: &usize| {
            compare_keys(terms, &keys[*a], &keys[*b], position)
        })?;
        let items = sorted.into_iter().map(|i| arr.items[i].clone()).collect();
        let mut out = Array::new(items);
        out.tuple_stream = is_tuples;
        Ok(Value::Array(Arc::new(out)))
    }

    // -----------------------------------------------------------------------------------------
    // operators
    // -----------------------------------------------------------------------------------------

    fn eval_binary(
        &mut self,
        node: &Node,
        op: BinOp,
        lhs: &Node,
        rhs: &Node,
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Value> {
        let l = self.eval(lhs, input, env)?;
        let decorate = |e: Failure| {
            let e = if e.position.is_none() {
                e.at(node.position)
            } else {
                e
            };
            if e.token.is_none() {
                e.token(op.symbol())
            } else {
                e
            }
        };
        match op {
            BinOp::And => {
                let lb = truthy(&l).unwrap_or(false);
                if !lb {
                    return Ok(Value::Bool(false));
                }
                let r = self.eval(rhs, input, env)?;
                return Ok(Value::Bool(truthy(&r).unwrap_or(false)));
            }
            BinOp::Or => {
                let lb = truthy(&l).unwrap_or(false);
                if lb {
                    return Ok(Value::Bool(true));
                }
                let r = self.eval(rhs, input, env)?;
                return Ok(Value::Bool(truthy(&r).unwrap_or(false)));
            }
            _ => {}
        }
        let r = self.eval(rhs, input, env)?;
        let result = match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => numeric(op, &l, &r),
            BinOp::Eq => Ok(Value::Bool(
                !l.is_undefined() && !r.is_undefined() && deep_equal(&l, &r),
            )),
            BinOp::Ne => Ok(Value::Bool(
                !l.is_undefined() && !r.is_undefined() && !deep_equal(&l, &r),
            )),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => compare(op, &l, &r),
            BinOp::Concat => {
                let mut s = String::new();
                if !l.is_undefined() {
                    s.push_str(&functions::to_string(&l)?);
                }
                if !r.is_undefined() {
                    s.push_str(&functions::to_string(&r)?);
                }
                if s.len() > 64 * 1024 * 1024 {
                    return Err(too_large().at(node.position));
                }
                Ok(Value::string(s))
            }
            BinOp::Range => self.range(&l, &r),
            BinOp::In => Ok(Value::Bool(includes(&l, &r))),
            BinOp::And | BinOp::Or => Ok(Value::Undefined),
        };
        result.map_err(decorate)
    }

    fn range(&mut self, l: &Value, r: &Value) -> Result<Value> {
        let is_int = |v: &Value| matches!(v, Value::Number(n) if n.fract() == 0.0 && n.is_finite());
        if !l.is_undefined() && !is_int(l) {
            return Err(Failure::new("T2003").value(describe(l)));
        }
        if !r.is_undefined() && !is_int(r) {
            return Err(Failure::new("T2004").value(describe(r)));
        }
        let (Value::Number(a), Value::Number(b)) = (l, r) else {
            return Ok(Value::Undefined);
        };
        if a > b {
            return Ok(Value::Undefined);
        }
        let size = b - a + 1.0;
        if size > 1e7 {
            return Err(Failure::new("D2014").value(super::value::number_to_string(size)));
        }
        self.check_items(size as usize)?;
        let items = (0..size as usize)
            .map(|i| Value::Number(a + i as f64))
            .collect();
        Ok(Value::sequence(items))
    }

    // -----------------------------------------------------------------------------------------
    // functions
    // -----------------------------------------------------------------------------------------

    fn eval_call(
        &mut self,
        node: &Node,
        procedure: &Node,
        args: &[Node],
        input: &Value,
        env: &Arc<Frame>,
        applied_to: Option<Value>,
    ) -> Result<Value> {
        let (proc, values) = self.prepare_call(node, procedure, args, input, env, applied_to)?;
        let name = procedure_name(procedure);
        self.apply(&proc, values, input, env)
            .map_err(|e| decorate_call(e, node.position, &name))
    }

    fn prepare_call(
        &mut self,
        node: &Node,
        procedure: &Node,
        args: &[Node],
        input: &Value,
        env: &Arc<Frame>,
        applied_to: Option<Value>,
    ) -> Result<(Value, Vec<Value>)> {
        let proc = self.eval(procedure, input, env)?;
        if proc.is_undefined()
            && let Kind::Path(steps) = &procedure.kind
            && let Some(Kind::Name(n)) = steps.first().map(|s| &s.kind)
            && !lookup_variable(env, n).is_undefined()
        {
            return Err(Failure::new("T1005").at(node.position).token(n.clone()));
        }
        let mut values = Vec::with_capacity(args.len() + 1);
        if let Some(v) = applied_to {
            values.push(v);
        }
        for arg in args {
            values.push(self.eval(arg, input, env)?);
        }
        Ok((proc, values))
    }

    fn eval_partial(
        &mut self,
        node: &Node,
        procedure: &Node,
        args: &[Option<Node>],
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Value> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(match arg {
                Some(a) => Some(self.eval(a, input, env)?),
                None => None,
            });
        }
        let proc = self.eval(procedure, input, env)?;
        let name = procedure_name(procedure);
        if proc.is_undefined()
            && let Kind::Path(steps) = &procedure.kind
            && let Some(Kind::Name(n)) = steps.first().map(|s| &s.kind)
            && !lookup_variable(env, n).is_undefined()
        {
            return Err(Failure::new("T1007").at(node.position).token(n.clone()));
        }
        let Value::Function(f) = &proc else {
            return Err(Failure::new("T1008").at(node.position).token(name));
        };
        match &**f {
            Function::Lambda(l) => {
                let frame = self.new_frame(&l.env);
                let mut unbound = Vec::new();
                for (i, param) in l.params.iter().enumerate() {
                    match values.get(i) {
                        Some(None) => unbound.push(param.clone()),
                        Some(Some(v)) => frame.bind(param, v.clone()),
                        None => frame.bind(param, Value::Undefined),
                    }
                }
                Ok(Value::function(Function::Lambda(Lambda {
                    def: l.def.clone(),
                    params: unbound.into(),
                    signature: None,
                    input: l.input.clone(),
                    env: frame,
                })))
            }
            _ => Ok(Value::function(Function::Partial {
                target: proc.clone(),
                args: values,
            })),
        }
    }

    fn eval_apply(
        &mut self,
        node: &Node,
        lhs: &Node,
        rhs: &Node,
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Value> {
        let l = self.eval(lhs, input, env)?;
        if let Kind::Call {
            procedure, args, ..
        } = &rhs.kind
        {
            return self.eval_call(rhs, procedure, args, input, env, Some(l));
        }
        let f = self.eval(rhs, input, env)?;
        if !f.is_function() {
            return Err(Failure::new("T2006").at(node.position).value(describe(&f)));
        }
        if l.is_function() {
            return Ok(Value::function(Function::Composed {
                first: l,
                second: f,
            }));
        }
        self.apply(&f, vec![l], &Value::Undefined, env)
    }

    /// Applies a function to arguments, running tail calls in a loop (the trampoline).
    pub fn apply(
        &mut self,
        proc: &Value,
        args: Vec<Value>,
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Value> {
        let mut flow = self.apply_inner(proc, args, input, env)?;
        loop {
            match flow {
                Flow::Value(v) => return Ok(v),
                Flow::Tail(p, a, position, name) => {
                    self.charge(1)?;
                    flow = self
                        .apply_inner(&p, a, input, env)
                        .map_err(|e| decorate_call(e, position, &name))?;
                }
            }
        }
    }

    fn apply_inner(
        &mut self,
        proc: &Value,
        args: Vec<Value>,
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Flow> {
        let Value::Function(f) = proc else {
            return Err(Failure::new("T1006"));
        };
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            self.depth -= 1;
            return Err(Failure::new("U1001"));
        }
        let r = self.apply_function(f, args, input, env);
        self.depth -= 1;
        r
    }

    fn apply_function(
        &mut self,
        f: &Arc<Function>,
        args: Vec<Value>,
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Flow> {
        match &**f {
            Function::Lambda(l) => {
                let args = match &l.signature {
                    Some(sig) => sig.validate(&args, input)?,
                    None => args,
                };
                let frame = self.new_frame(&l.env);
                for (i, param) in l.params.iter().enumerate() {
                    frame.bind(param, args.get(i).cloned().unwrap_or_default());
                }
                self.eval_body(&l.def.body, &l.input, &frame)
            }
            Function::Builtin(b) => {
                let args = b.signature.validate(&args, input)?;
                let v = (b.implementation)(self, &args, input, env)?;
                if v.depth() > self.limits.max_value_depth {
                    return Err(too_large());
                }
                Ok(Flow::Value(v))
            }
            Function::Partial {
                target,
                args: bound,
            } => {
                let mut supplied = args.into_iter();
                let full: Vec<Value> = bound
                    .iter()
                    .map(|a| match a {
                        Some(v) => v.clone(),
                        None => supplied.next().unwrap_or_default(),
                    })
                    .collect();
                Ok(Flow::Value(self.apply(target, full, input, env)?))
            }
            Function::Regex(re) => {
                let text = args.first().cloned().unwrap_or_default();
                let Value::String(text) = text else {
                    return Ok(Flow::Value(Value::Undefined));
                };
                let from = match args.get(1) {
                    Some(Value::Number(n)) => functions::string::utf16_to_byte(&text, *n as usize),
                    _ => 0,
                };
                Ok(Flow::Value(functions::string::regex_match_object(
                    re, &text, from,
                )))
            }
            Function::RegexNext { regex, text, from } => {
                if *from >= text.len() {
                    return Ok(Flow::Value(Value::Undefined));
                }
                let next = functions::string::regex_match_object(regex, text, *from);
                if let Value::Object(o) = &next
                    && o.get("match").and_then(Value::as_str) == Some("")
                {
                    return Err(Failure::new("D1004"));
                }
                Ok(Flow::Value(next))
            }
            Function::Transform { def, env: tenv } => {
                let arg = args.into_iter().next().unwrap_or_default();
                let tenv = tenv.clone();
                Ok(Flow::Value(self.transform(def, arg, &tenv)?))
            }
            Function::Composed { first, second } => {
                let x = args.into_iter().next().unwrap_or_default();
                let y = self.apply(first, vec![x], input, env)?;
                Ok(Flow::Value(self.apply(second, vec![y], input, env)?))
            }
        }
    }

    /// Evaluates a lambda body, leaving a call in tail position to the trampoline.
    fn eval_body(&mut self, node: &Node, input: &Value, env: &Arc<Frame>) -> Result<Flow> {
        let plain = node.predicate.is_empty() && node.group.is_none() && !node.keep_array;
        if !plain {
            return Ok(Flow::Value(self.eval(node, input, env)?));
        }
        match &node.kind {
            Kind::Call {
                procedure,
                args,
                tail: true,
            } => {
                self.charge(1)?;
                let (proc, values) = self.prepare_call(node, procedure, args, input, env, None)?;
                if !proc.is_function() {
                    let name = procedure_name(procedure);
                    return Err(decorate_call(Failure::new("T1006"), node.position, &name));
                }
                Ok(Flow::Tail(
                    proc,
                    values,
                    node.position,
                    procedure_name(procedure),
                ))
            }
            Kind::Condition {
                cond,
                then,
                otherwise,
            } => {
                let c = self.eval(cond, input, env)?;
                if truthy(&c).unwrap_or(false) {
                    self.eval_body_normalized(then, input, env)
                } else if let Some(o) = otherwise {
                    self.eval_body_normalized(o, input, env)
                } else {
                    Ok(Flow::Value(Value::Undefined))
                }
            }
            Kind::Block(exprs) => {
                let frame = self.new_frame(env);
                let Some((last, init)) = exprs.split_last() else {
                    return Ok(Flow::Value(Value::Undefined));
                };
                for e in init {
                    self.eval(e, input, &frame)?;
                }
                self.eval_body_normalized(last, input, &frame)
            }
            _ => Ok(Flow::Value(self.eval(node, input, env)?)),
        }
    }

    fn eval_body_normalized(
        &mut self,
        node: &Node,
        input: &Value,
        env: &Arc<Frame>,
    ) -> Result<Flow> {
        self.charge(1)?;
        Ok(match self.eval_body(node, input, env)? {
            Flow::Value(v) => Flow::Value(normalize(v, false)),
            tail => tail,
        })
    }

    // -----------------------------------------------------------------------------------------
    // transform
    // -----------------------------------------------------------------------------------------

    fn transform(&mut self, def: &TransformDef, arg: Value, env: &Arc<Frame>) -> Result<Value> {
        if arg.is_undefined() {
            return Ok(Value::Undefined);
        }
        if !matches!(arg, Value::Object(_) | Value::Array(_)) {
            return Err(Failure::new("T0410").index(1).value(describe(&arg)));
        }
        // A deep copy whose objects are each a distinct allocation: the matches the pattern
        // selects are recognised by address when the copy is rebuilt with the updates.
        let copy = deep_clone(&arg);
        let matches = self.eval(&def.pattern, &copy, env)?;
        let mut updates: Vec<Update> = Vec::new();
        for m in matches.members() {
            let Value::Object(obj) = &m else {
                // Only objects can be updated in place.
                let update = self.eval(&def.update, &m, env)?;
                check_update(&update, def)?;
                if let Some(d) = &def.delete {
                    let del = self.eval(d, &m, env)?;
                    deletions(&del, def)?;
                }
                continue;
            };
            let update = self.eval(&def.update, &m, env)?;
            let update = check_update(&update, def)?;
            let dels = match &def.delete {
                Some(d) => {
                    let del = self.eval(d, &m, env)?;
                    deletions(&del, def)?
                }
                None => Vec::new(),
            };
            updates.push((Arc::as_ptr(obj) as *const (), update, dels));
        }
        if updates.is_empty() {
            return Ok(copy);
        }
        Ok(rebuild(&copy, &updates))
    }
}

type Update = (*const (), Option<IndexMap<String, Value>>, Vec<String>);

fn check_update(update: &Value, def: &TransformDef) -> Result<Option<IndexMap<String, Value>>> {
    match update {
        Value::Undefined => Ok(None),
        Value::Object(o) => Ok(Some(o.map.clone())),
        other => Err(Failure::new("T2011")
            .at(def.update.position)
            .value(describe(other))),
    }
}

fn deletions(del: &Value, def: &TransformDef) -> Result<Vec<String>> {
    let position = def
        .delete
        .as_ref()
        .map(|d| d.position)
        .unwrap_or(def.position);
    match del {
        Value::Undefined => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.to_string()]),
        Value::Array(a) if a.items.iter().all(|v| matches!(v, Value::String(_))) => Ok(a
            .items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()),
        other => Err(Failure::new("T2012").at(position).value(describe(other))),
    }
}

fn deep_clone(v: &Value) -> Value {
    match v {
        Value::Array(a) => {
            let mut arr = Array::new(a.items.iter().map(deep_clone).collect());
            arr.sequence = a.sequence;
            arr.cons = a.cons;
            arr.keep_singleton = a.keep_singleton;
            arr.outer_wrapper = a.outer_wrapper;
            Value::Array(Arc::new(arr))
        }
        Value::Object(o) => {
            Value::object(o.iter().map(|(k, v)| (k.clone(), deep_clone(v))).collect())
        }
        v => v.clone(),
    }
}

/// The copy with each matched object updated (merged, then keys deleted), children first.
fn rebuild(v: &Value, updates: &[Update]) -> Value {
    match v {
        Value::Array(a) => {
            let mut arr = (**a).clone();
            arr.set_items(a.items.iter().map(|i| rebuild(i, updates)).collect());
            Value::Array(Arc::new(arr))
        }
        Value::Object(o) => {
            let ptr = Arc::as_ptr(o) as *const ();
            let mut map: IndexMap<String, Value> = o
                .iter()
                .map(|(k, v)| (k.clone(), rebuild(v, updates)))
                .collect();
            for (p, update, dels) in updates {
                if *p != ptr {
                    continue;
                }
                if let Some(u) = update {
                    for (k, v) in u {
                        map.insert(k.clone(), v.clone());
                    }
                }
                for d in dels {
                    map.shift_remove(d);
                }
            }
            Value::object(map)
        }
        v => v.clone(),
    }
}

fn decorate_call(e: Failure, position: usize, name: &str) -> Failure {
    let e = if e.position.is_none() {
        e.at(position)
    } else {
        e
    };
    if e.token.is_none() { e.token(name) } else { e }
}

fn procedure_name(procedure: &Node) -> String {
    match &procedure.kind {
        Kind::Path(steps) => match steps.first().map(|s| &s.kind) {
            Some(Kind::Name(n)) => n.clone(),
            _ => String::new(),
        },
        Kind::Variable(v) => v.clone(),
        _ => String::new(),
    }
}

/// jsonata-js's normalisation of a sequence result: empty is undefined, a singleton is its item
/// unless it must stay an array.
pub fn normalize(result: Value, keep_array: bool) -> Value {
    let Value::Array(a) = &result else {
        return result;
    };
    if !a.sequence || a.tuple_stream {
        return result;
    }
    let keep = keep_array || a.keep_singleton;
    match a.items.len() {
        0 => Value::Undefined,
        1 if !keep => a.items[0].clone(),
        _ => {
            if keep_array && !a.keep_singleton {
                result.with_array_flags(|a| a.keep_singleton = true)
            } else {
                result
            }
        }
    }
}

fn tuple_stream(items: Vec<Value>) -> Value {
    let mut a = Array::new(items);
    a.sequence = true;
    a.tuple_stream = true;
    Value::Array(Arc::new(a))
}

fn tuple_at(v: &Value) -> Value {
    match v {
        Value::Tuple(t) => t.at.clone(),
        v => v.clone(),
    }
}

/// Merges a group of tuples into one: each binding becomes the sequence of its values.
fn reduce_tuples(data: &Value) -> Tuple {
    let items: &[Value] = match data {
        Value::Array(a) => &a.items,
        Value::Tuple(t) => return (**t).clone(),
        _ => return Tuple::default(),
    };
    let mut out = Tuple::default();
    for (i, item) in items.iter().enumerate() {
        let Value::Tuple(t) = item else { continue };
        if i == 0 {
            out = (**t).clone();
            continue;
        }
        out.at = functions::append(std::mem::take(&mut out.at), t.at.clone());
        for (k, v) in &t.bindings {
            let prev = out.get(k).cloned().unwrap_or_default();
            out.set(k, functions::append(prev, v.clone()));
        }
    }
    out
}

/// A field of an object, or of each object in an array (jsonata-js `lookup`).
pub fn lookup_field(input: &Value, key: &str) -> Value {
    match input {
        Value::Array(a) => {
            let mut out = Vec::new();
            for item in &a.items {
                match lookup_field(item, key) {
                    Value::Undefined => {}
                    Value::Array(r) => out.extend(r.items.iter().cloned()),
                    v => out.push(v),
                }
            }
            Value::sequence(out)
        }
        Value::Object(o) => o.get(key).cloned().unwrap_or_default(),
        _ => Value::Undefined,
    }
}

fn eval_variable(name: &str, input: &Value, env: &Arc<Frame>) -> Value {
    if name.is_empty() {
        match input {
            Value::Array(a) if a.outer_wrapper => a.items.first().cloned().unwrap_or_default(),
            v => v.clone(),
        }
    } else {
        lookup_variable(env, name)
    }
}

pub fn lookup_variable(env: &Arc<Frame>, name: &str) -> Value {
    if let Some(v) = env.lookup(name) {
        return v;
    }
    match functions::lookup(name) {
        Some(b) => Value::function(Function::Builtin(b)),
        None => Value::Undefined,
    }
}

fn wildcard(input: &Value) -> Value {
    let input = match input {
        Value::Array(a) if a.outer_wrapper && !a.items.is_empty() => &a.items[0],
        v => v,
    };
    let mut out = Vec::new();
    let mut push = |v: &Value| match v {
        Value::Array(_) => flatten_into(v, &mut out),
        v => out.push(v.clone()),
    };
    match input {
        Value::Object(o) => o.values().for_each(&mut push),
        Value::Array(a) => a.items.iter().for_each(&mut push),
        _ => {}
    }
    Value::sequence(out)
}

fn flatten_into(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(a) => a.items.iter().for_each(|i| flatten_into(i, out)),
        v => out.push(v.clone()),
    }
}

fn descendants(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(a) => a.items.iter().for_each(|i| descendants(i, out)),
        Value::Object(o) => {
            out.push(v.clone());
            o.values().for_each(|i| descendants(i, out));
        }
        v => out.push(v.clone()),
    }
}

fn numeric(op: BinOp, l: &Value, r: &Value) -> Result<Value> {
    if !l.is_undefined() && !l.is_numeric()? {
        return Err(Failure::new("T2001").value(describe(l)));
    }
    if !r.is_undefined() && !r.is_numeric()? {
        return Err(Failure::new("T2002").value(describe(r)));
    }
    let (Value::Number(a), Value::Number(b)) = (l, r) else {
        return Ok(Value::Undefined);
    };
    Ok(Value::Number(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        _ => a % b,
    }))
}

fn compare(op: BinOp, l: &Value, r: &Value) -> Result<Value> {
    let comparable =
        |v: &Value| matches!(v, Value::Undefined | Value::String(_) | Value::Number(_));
    if !comparable(l) || !comparable(r) {
        let bad = if matches!(l, Value::String(_) | Value::Number(_)) {
            r
        } else {
            l
        };
        return Err(Failure::new("T2010").value(describe(bad)));
    }
    let ord = match (l, r) {
        (Value::Undefined, _) | (_, Value::Undefined) => return Ok(Value::Undefined),
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
        (Value::String(a), Value::String(b)) => Some(a.encode_utf16().cmp(b.encode_utf16())),
        _ => return Err(Failure::new("T2009").value(describe(l)).value2(describe(r))),
    };
    let Some(ord) = ord else {
        return Ok(Value::Bool(false));
    };
    use std::cmp::Ordering::*;
    Ok(Value::Bool(match op {
        BinOp::Lt => ord == Less,
        BinOp::Le => ord != Greater,
        BinOp::Gt => ord == Greater,
        _ => ord != Less,
    }))
}

fn includes(l: &Value, r: &Value) -> bool {
    if l.is_undefined() || r.is_undefined() {
        return false;
    }
    let same = |a: &Value, b: &Value| match (a, b) {
        (Value::Array(x), Value::Array(y)) => Arc::ptr_eq(x, y),
        (Value::Object(x), Value::Object(y)) => Arc::ptr_eq(x, y),
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        (a, b) => deep_equal(a, b),
    };
    match r {
        Value::Array(a) => a.items.iter().any(|v| same(v, l)),
        v => same(v, l),
    }
}

/// One order-by comparison: `true` when `a` must come after `b`.
fn compare_keys(terms: &[SortTerm], a: &[Value], b: &[Value], position: usize) -> Result<bool> {
    for (i, term) in terms.iter().enumerate() {
        let (aa, bb) = (&a[i], &b[i]);
        let comp: i32 = match (aa, bb) {
            (Value::Undefined, Value::Undefined) => 0,
            (Value::Undefined, _) => {
                // undefined sorts last whatever the direction
                return Ok(true);
            }
            (_, Value::Undefined) => return Ok(false),
            (Value::Number(x), Value::Number(y)) => {
                if x == y {
                    0
                } else if x < y {
                    -1
                } else {
                    1
                }
            }
            (Value::String(x), Value::String(y)) => match x.encode_utf16().cmp(y.encode_utf16()) {
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Greater => 1,
            },
            (Value::Number(_) | Value::String(_), Value::Number(_) | Value::String(_)) => {
                return Err(Failure::new("T2007")
                    .at(position)
                    .value(describe(aa))
                    .value2(describe(bb)));
            }
            _ => {
                let bad = if matches!(aa, Value::Number(_) | Value::String(_)) {
                    bb
                } else {
                    aa
                };
                return Err(Failure::new("T2008").at(position).value(describe(bad)));
            }
        };
        let comp = if term.descending { -comp } else { comp };
        if comp != 0 {
            return Ok(comp == 1);
        }
    }
    Ok(false)
}

/// A stable merge sort with a fallible "swap" predicate, as jsonata-js's `$sort`: `after(a, b)`
/// is true when `a` must come after `b`.
pub fn merge_sort<T: Clone>(
    items: Vec<T>,
    after: &mut dyn FnMut(&T, &T) -> Result<bool>,
) -> Result<Vec<T>> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut width = 1;
    let mut current = items;
    let n = current.len();
    while width < n {
        let mut next = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid && j < end {
                if after(&current[i], &current[j])? {
                    next.push(current[j].clone());
                    j += 1;
                } else {
                    next.push(current[i].clone());
                    i += 1;
                }
            }
            next.extend_from_slice(&current[i..mid]);
            next.extend_from_slice(&current[j..end]);
            start = end;
        }
        current = next;
        width *= 2;
    }
    Ok(current)
}
