//! The evaluated form of an expression and the post-processing that builds it from the parser's
//! tree, as jsonata-js's `processAST`: `.` chains become paths of steps, predicates become
//! stages of their step, `@`/`#`/`%` turn steps into tuple steps, and the parent operator is
//! resolved to the step whose context it names. Tail calls in lambda bodies are marked here.
//!
//! The tree holds no `Rc`: an [`super::Expression`] is shared between threads.

use std::collections::HashSet;
use std::sync::Arc;

use super::error::{Failure, Result, StackGuard};
use super::parser::{Syn, SynKind};
use super::regex::RegexLiteral;
use super::signature::Signature;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Concat,
    And,
    Or,
    In,
    Range,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Concat => "&",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::Range => "..",
        }
    }

    fn from_symbol(op: &str) -> Option<BinOp> {
        Some(match op {
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "%" => BinOp::Mod,
            "=" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            "&" => BinOp::Concat,
            "and" => BinOp::And,
            "or" => BinOp::Or,
            "in" => BinOp::In,
            ".." => BinOp::Range,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Stage {
    Filter {
        expr: Node,
        position: usize,
    },
    /// `#$name` after predicates: bind the position in the filtered sequence.
    Index(String),
}

#[derive(Debug, Clone)]
pub struct Group {
    pub pairs: Vec<(Node, Node)>,
    pub position: usize,
}

#[derive(Debug, Clone)]
pub struct SortTerm {
    pub descending: bool,
    pub expr: Node,
}

#[derive(Debug)]
pub struct LambdaDef {
    pub params: Arc<[String]>,
    pub signature: Option<Arc<Signature>>,
    pub body: Node,
    pub position: usize,
}

#[derive(Debug)]
pub struct TransformDef {
    pub pattern: Node,
    pub update: Node,
    pub delete: Option<Node>,
    pub position: usize,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Path(Vec<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Negate(Box<Node>),
    ArrayCons(Vec<Node>),
    ObjectCons(Vec<(Node, Node)>),
    Name(String),
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    Wildcard,
    Descendant,
    /// `%`: the slot whose label names the ancestor's variable.
    Parent(usize),
    Condition {
        cond: Box<Node>,
        then: Box<Node>,
        otherwise: Option<Box<Node>>,
    },
    Elvis(Box<Node>, Box<Node>),
    Coalesce(Box<Node>, Box<Node>),
    Block(Vec<Node>),
    Bind(String, Box<Node>),
    Regex(Arc<RegexLiteral>),
    Variable(String),
    Lambda(Arc<LambdaDef>),
    /// A call; `tail` when it is in tail position of a lambda body (evaluated by the trampoline).
    Call {
        procedure: Box<Node>,
        args: Vec<Node>,
        tail: bool,
    },
    /// A call with `?` placeholders (`None`).
    Partial {
        procedure: Box<Node>,
        args: Vec<Option<Node>>,
    },
    Apply(Box<Node>, Box<Node>),
    Transform(Arc<TransformDef>),
    /// An order-by step.
    Sort(Vec<SortTerm>),
    /// A `?` outside an argument list (kept only to report it).
    Placeholder,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub position: usize,
    pub keep_array: bool,
    /// Predicates of an expression that is not a path step.
    pub predicate: Vec<Stage>,
    /// Predicates and index bindings of a path step.
    pub stages: Vec<Stage>,
    pub group: Option<Box<Group>>,
    /// `@$name`
    pub focus: Option<String>,
    /// `#$name`
    pub index: Option<String>,
    /// The step produces a tuple stream.
    pub tuple: bool,
    /// The slot whose label binds this step's context for a `%` further on.
    pub ancestor: Option<usize>,
    pub consarray: bool,
    /// On a path: keep a singleton result as an array.
    pub keep_singleton_array: bool,
    seeking_parent: Vec<usize>,
}

impl Node {
    pub fn new(kind: Kind, position: usize) -> Node {
        Node {
            kind,
            position,
            keep_array: false,
            predicate: Vec::new(),
            stages: Vec::new(),
            group: None,
            focus: None,
            index: None,
            tuple: false,
            ancestor: None,
            consarray: false,
            keep_singleton_array: false,
            seeking_parent: Vec::new(),
        }
    }

    fn into_path(self) -> Node {
        if matches!(self.kind, Kind::Path(_)) {
            self
        } else {
            let pos = self.position;
            Node::new(Kind::Path(vec![self]), pos)
        }
    }
}

struct Slot {
    label: String,
    level: i32,
}

/// The processed expression and the final labels of its ancestor slots.
pub struct Processed {
    pub root: Node,
    pub labels: Vec<String>,
}

/// Processes the parser's tree, refusing nesting that would use more than `max_stack` bytes.
pub fn process(syn: Syn, max_stack: usize) -> Result<Processed> {
    let mut p = Processor {
        slots: Vec::new(),
        stack: StackGuard::new(max_stack),
    };
    let root = p.process(syn)?;
    if matches!(root.kind, Kind::Parent(_)) || !root.seeking_parent.is_empty() {
        return Err(Failure::new("S0217").at(root.position).token("parent"));
    }
    Ok(Processed {
        root,
        labels: p.slots.into_iter().map(|s| s.label).collect(),
    })
}

struct Processor {
    slots: Vec<Slot>,
    stack: StackGuard,
}

fn push_ancestry(result: &mut Node, value: &Node) {
    result
        .seeking_parent
        .extend(value.seeking_parent.iter().copied());
    if let Kind::Parent(slot) = value.kind {
        result.seeking_parent.push(slot);
    }
}

impl Processor {
    fn seek_parent(&mut self, node: &mut Node, slot: usize) -> Result<()> {
        match kind_name(&node.kind) {
            "name" | "wildcard" => {
                self.slots[slot].level -= 1;
                if self.slots[slot].level == 0 {
                    if let Some(existing) = node.ancestor {
                        // Reuse the label the step already binds.
                        self.slots[slot].label = self.slots[existing].label.clone();
                    }
                    node.ancestor = Some(slot);
                    node.tuple = true;
                }
            }
            "parent" => self.slots[slot].level += 1,
            "block" => {
                if let Kind::Block(exprs) = &mut node.kind
                    && let Some(last) = exprs.last_mut()
                {
                    self.seek_parent(last, slot)?;
                    node.tuple = true;
                }
            }
            "path" => {
                node.tuple = true;
                if let Kind::Path(steps) = &mut node.kind {
                    let mut index = steps.len();
                    if index > 0 {
                        index -= 1;
                        self.seek_parent(&mut steps[index], slot)?;
                        while self.slots[slot].level > 0 && index > 0 {
                            index -= 1;
                            self.seek_parent(&mut steps[index], slot)?;
                        }
                    }
                }
            }
            other => {
                return Err(Failure::new("S0217").at(node.position).token(other));
            }
        }
        Ok(())
    }

    fn resolve_ancestry(&mut self, path: &mut Node) -> Result<()> {
        let Kind::Path(steps) = &mut path.kind else {
            return Ok(());
        };
        let Some(last) = steps.last() else {
            return Ok(());
        };
        let mut slots = last.seeking_parent.clone();
        if let Kind::Parent(s) = last.kind {
            slots.push(s);
        }
        let mut unresolved = Vec::new();
        for slot in slots {
            let mut index = steps.len() as isize - 2;
            while self.slots[slot].level > 0 {
                if index < 0 {
                    unresolved.push(slot);
                    break;
                }
                let mut step_index = index as usize;
                index -= 1;
                // Contiguous steps that bind the focus are skipped together.
                while index >= 0
                    && steps[step_index].focus.is_some()
                    && steps[index as usize].focus.is_some()
                {
                    step_index = index as usize;
                    index -= 1;
                }
                self.seek_parent(&mut steps[step_index], slot)?;
            }
        }
        path.seeking_parent.extend(unresolved);
        Ok(())
    }

    /// jsonata-js `processAST`. Each construct is handled out of line (`process_*`): this
    /// recurses once per level of nesting, and in debug builds a function's frame holds the
    /// locals of all its branches.
    fn process(&mut self, syn: Syn) -> Result<Node> {
        let pos = syn.position;
        self.stack.check(pos)?;
        let keep_array = syn.keep_array;
        let is_elvis = matches!(syn.kind, SynKind::Elvis { .. });
        let mut result = match &syn.kind {
            SynKind::Binary { op: ".", .. } => {
                self.process_path(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::Filter { .. } => {
                self.process_predicate(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::GroupBy { .. } => {
                self.process_group_by(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::OrderBy { .. } => {
                self.process_order_by(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::Bind { .. } => self.process_bind(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::Focus { .. } => self.process_focus(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::IndexBind { .. } => {
                self.process_index_bind(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::Apply { .. } => self.process_apply(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::Binary { .. } => self.process_binary(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::ArrayCons(..) => {
                self.process_array_constructor(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::ObjectCons(..) => {
                self.process_object_constructor(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::Negate(..) => self.process_negate(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::Call { .. } => self.process_call(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::Lambda { .. } => self.process_lambda(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::Condition { .. } => {
                self.process_condition(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::Elvis { .. } | SynKind::Coalesce { .. } => {
                self.process_elvis_or_coalesce(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::Transform { .. } => {
                self.process_transform(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::Block(..) => self.process_block(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::Name(..) => self.process_name(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::OperatorName(..) => {
                self.process_operator_name(syn.kind, pos, keep_array, is_elvis)?
            }
            SynKind::Parent => self.process_parent(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::Variable(v) => Node::new(Kind::Variable(v.clone()), pos),
            SynKind::String(s) => Node::new(Kind::String(s.clone()), pos),
            SynKind::Number(n) => Node::new(Kind::Number(*n), pos),
            SynKind::Bool(b) => Node::new(Kind::Bool(*b), pos),
            SynKind::Null => Node::new(Kind::Null, pos),
            SynKind::Wildcard => Node::new(Kind::Wildcard, pos),
            SynKind::Descendant => Node::new(Kind::Descendant, pos),
            SynKind::Regex { .. } => self.process_regex(syn.kind, pos, keep_array, is_elvis)?,
            SynKind::Placeholder => Node::new(Kind::Placeholder, pos),
        };
        if keep_array {
            result.keep_array = true;
        }
        Ok(result)
    }

    // The constructs. Each takes the whole `SynKind` (already known to be its variant) and the
    // facts about the node `process` extracted.

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_path(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Binary { op: ".", lhs, rhs } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let lstep = self.process(*lhs)?;
            let lparent = if let Kind::Parent(s) = lstep.kind {
                Some(s)
            } else {
                None
            };
            let mut result = lstep.into_path();
            if let Some(s) = lparent {
                result.seeking_parent = vec![s];
            }
            let mut rest = self.process(*rhs)?;
            let Kind::Path(steps) = &mut result.kind else {
                return Err(Failure::new("S0201").at(pos));
            };
            if let Kind::Path(rsteps) = rest.kind {
                steps.extend(rsteps);
            } else {
                if !rest.predicate.is_empty() {
                    rest.stages = std::mem::take(&mut rest.predicate);
                }
                steps.push(rest);
            }
            for step in steps.iter_mut() {
                match &step.kind {
                    Kind::Number(n) => {
                        return Err(Failure::new("S0213")
                            .at(step.position)
                            .value(super::value::number_to_string(*n)));
                    }
                    Kind::Bool(b) => {
                        return Err(Failure::new("S0213").at(step.position).value(b.to_string()));
                    }
                    Kind::Null => {
                        return Err(Failure::new("S0213").at(step.position).value("null"));
                    }
                    Kind::String(s) => step.kind = Kind::Name(s.clone()),
                    _ => {}
                }
            }
            if steps.iter().any(|s| s.keep_array) {
                result.keep_singleton_array = true;
            }
            if let Some(first) = steps.first_mut()
                && matches!(first.kind, Kind::ArrayCons(_))
            {
                first.consarray = true;
            }
            if let Some(last) = steps.last_mut()
                && matches!(last.kind, Kind::ArrayCons(_))
            {
                last.consarray = true;
            }
            self.resolve_ancestry(&mut result)?;
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_predicate(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Filter { lhs, rhs } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = self.process(*lhs)?;
            let is_path = matches!(result.kind, Kind::Path(_));
            let predicate = self.process(*rhs)?;
            {
                let step: &mut Node = match &mut result.kind {
                    Kind::Path(steps) if is_path => match steps.last_mut() {
                        Some(s) => s,
                        None => return Err(Failure::new("S0201").at(pos)),
                    },
                    _ => &mut result,
                };
                if step.group.is_some() {
                    return Err(Failure::new("S0209").at(pos));
                }
                if !predicate.seeking_parent.is_empty() {
                    for &slot in &predicate.seeking_parent {
                        if self.slots[slot].level == 1 {
                            self.seek_parent(step, slot)?;
                        } else {
                            self.slots[slot].level -= 1;
                        }
                    }
                    push_ancestry(step, &predicate);
                }
                let stage = Stage::Filter {
                    expr: predicate,
                    position: pos,
                };
                if is_path {
                    step.stages.push(stage);
                } else {
                    step.predicate.push(stage);
                }
            }
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_group_by(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::GroupBy { lhs, pairs } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = self.process(*lhs)?;
            if result.group.is_some() {
                return Err(Failure::new("S0210").at(pos));
            }
            let mut processed = Vec::with_capacity(pairs.len());
            for (k, v) in pairs {
                processed.push((self.process(k)?, self.process(v)?));
            }
            result.group = Some(Box::new(Group {
                pairs: processed,
                position: pos,
            }));
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_order_by(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::OrderBy { lhs, terms } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = self.process(*lhs)?.into_path();
            let mut sort = Node::new(Kind::Sort(Vec::new()), pos);
            let mut processed = Vec::with_capacity(terms.len());
            for term in terms {
                let expr = self.process(term.expr)?;
                push_ancestry(&mut sort, &expr);
                processed.push(SortTerm {
                    descending: term.descending,
                    expr,
                });
            }
            sort.kind = Kind::Sort(processed);
            if let Kind::Path(steps) = &mut result.kind {
                steps.push(sort);
            }
            self.resolve_ancestry(&mut result)?;
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_bind(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Bind { var, rhs } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let rhs = self.process(*rhs)?;
            let mut result = Node::new(Kind::Bind(var, Box::new(Node::new(Kind::Null, pos))), pos);
            push_ancestry(&mut result, &rhs);
            result.kind = match result.kind {
                Kind::Bind(v, _) => Kind::Bind(v, Box::new(rhs)),
                k => k,
            };
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_focus(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Focus { lhs, var } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = self.process(*lhs)?;
            let step: &mut Node = match &mut result.kind {
                Kind::Path(steps) => match steps.last_mut() {
                    Some(s) => s,
                    None => return Err(Failure::new("S0201").at(pos)),
                },
                _ => &mut result,
            };
            if !step.stages.is_empty() || !step.predicate.is_empty() {
                return Err(Failure::new("S0215").at(pos));
            }
            if matches!(step.kind, Kind::Sort(_)) {
                return Err(Failure::new("S0216").at(pos));
            }
            if keep_array {
                step.keep_array = true;
            }
            step.focus = Some(var);
            step.tuple = true;
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_index_bind(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::IndexBind { lhs, var } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = self.process(*lhs)?;
            if !matches!(result.kind, Kind::Path(_)) {
                if !result.predicate.is_empty() {
                    result.stages = std::mem::take(&mut result.predicate);
                }
                result = result.into_path();
            }
            if let Kind::Path(steps) = &mut result.kind
                && let Some(step) = steps.last_mut()
            {
                if step.stages.is_empty() {
                    step.index = Some(var);
                } else {
                    step.stages.push(Stage::Index(var));
                }
                step.tuple = true;
            }
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_apply(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Apply { lhs, rhs } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let lhs = self.process(*lhs)?;
            let rhs = self.process(*rhs)?;
            let mut result = Node::new(Kind::Null, pos);
            result.keep_array = lhs.keep_array || rhs.keep_array;
            result.kind = Kind::Apply(Box::new(lhs), Box::new(rhs));
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_binary(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Binary { op, lhs, rhs } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let Some(bop) = BinOp::from_symbol(op) else {
                return Err(Failure::new("S0201").at(pos).token(op));
            };
            let lhs = self.process(*lhs)?;
            let rhs = self.process(*rhs)?;
            let mut result = Node::new(Kind::Null, pos);
            push_ancestry(&mut result, &lhs);
            push_ancestry(&mut result, &rhs);
            result.kind = Kind::Binary(bop, Box::new(lhs), Box::new(rhs));
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_array_constructor(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::ArrayCons(items) = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = Node::new(Kind::Null, pos);
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let v = self.process(item)?;
                push_ancestry(&mut result, &v);
                out.push(v);
            }
            result.kind = Kind::ArrayCons(out);
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_object_constructor(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::ObjectCons(pairs) = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = Node::new(Kind::Null, pos);
            let mut out = Vec::with_capacity(pairs.len());
            for (k, v) in pairs {
                let k = self.process(k)?;
                push_ancestry(&mut result, &k);
                let v = self.process(v)?;
                push_ancestry(&mut result, &v);
                out.push((k, v));
            }
            result.kind = Kind::ObjectCons(out);
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_negate(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Negate(expr) = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let expr = self.process(*expr)?;
            if let Kind::Number(n) = expr.kind {
                Node::new(Kind::Number(-n), expr.position)
            } else {
                let mut result = Node::new(Kind::Null, pos);
                push_ancestry(&mut result, &expr);
                result.kind = Kind::Negate(Box::new(expr));
                result
            }
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_call(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Call {
            procedure,
            args,
            partial,
        } = kind
        else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = Node::new(Kind::Null, pos);
            let mut out = Vec::with_capacity(args.len());
            for arg in args {
                if matches!(arg.kind, SynKind::Placeholder) {
                    out.push(None);
                    continue;
                }
                let a = self.process(arg)?;
                push_ancestry(&mut result, &a);
                out.push(Some(a));
            }
            let procedure = Box::new(self.process(*procedure)?);
            result.kind = if partial {
                Kind::Partial {
                    procedure,
                    args: out,
                }
            } else {
                Kind::Call {
                    procedure,
                    args: out.into_iter().flatten().collect(),
                    tail: false,
                }
            };
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_lambda(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Lambda {
            params,
            signature,
            body,
        } = kind
        else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut body = self.process(*body)?;
            mark_tail_calls(&mut body);
            Node::new(
                Kind::Lambda(Arc::new(LambdaDef {
                    params: params.into(),
                    signature: signature.map(|s| Arc::new(*s)),
                    body,
                    position: pos,
                })),
                pos,
            )
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_condition(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Condition {
            cond,
            then,
            otherwise,
        } = kind
        else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = Node::new(Kind::Null, pos);
            let cond = self.process(*cond)?;
            push_ancestry(&mut result, &cond);
            let then = self.process(*then)?;
            push_ancestry(&mut result, &then);
            let otherwise = match otherwise {
                Some(o) => {
                    let o = self.process(*o)?;
                    push_ancestry(&mut result, &o);
                    Some(Box::new(o))
                }
                None => None,
            };
            result.kind = Kind::Condition {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise,
            };
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_elvis_or_coalesce(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let (SynKind::Elvis { lhs, rhs } | SynKind::Coalesce { lhs, rhs }) = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let elvis = is_elvis;
            let mut result = Node::new(Kind::Null, pos);
            let lhs = self.process(*lhs)?;
            push_ancestry(&mut result, &lhs);
            let rhs = self.process(*rhs)?;
            push_ancestry(&mut result, &rhs);
            result.kind = if elvis {
                Kind::Elvis(Box::new(lhs), Box::new(rhs))
            } else {
                Kind::Coalesce(Box::new(lhs), Box::new(rhs))
            };
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_transform(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Transform {
            pattern,
            update,
            delete,
        } = kind
        else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let pattern = self.process(*pattern)?;
            let update = self.process(*update)?;
            let delete = match delete {
                Some(d) => Some(self.process(*d)?),
                None => None,
            };
            Node::new(
                Kind::Transform(Arc::new(TransformDef {
                    pattern,
                    update,
                    delete,
                    position: pos,
                })),
                pos,
            )
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_block(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Block(exprs) = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut result = Node::new(Kind::Null, pos);
            let mut out = Vec::with_capacity(exprs.len());
            for e in exprs {
                let part = self.process(e)?;
                push_ancestry(&mut result, &part);
                let cons = part.consarray
                    || matches!(&part.kind, Kind::Path(steps) if steps.first().is_some_and(|s| s.consarray));
                if cons {
                    result.consarray = true;
                }
                out.push(part);
            }
            result.kind = Kind::Block(out);
            result
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_name(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Name(name) = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut step = Node::new(Kind::Name(name), pos);
            step.keep_array = keep_array;
            let mut path = step.into_path();
            path.keep_singleton_array = keep_array;
            path
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_operator_name(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::OperatorName(op) = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let mut step = Node::new(Kind::Name(op.to_string()), pos);
            step.keep_array = keep_array;
            let mut path = step.into_path();
            path.keep_singleton_array = keep_array;
            path
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_parent(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Parent = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let index = self.slots.len();
            self.slots.push(Slot {
                label: format!("!{index}"),
                level: 1,
            });
            Node::new(Kind::Parent(index), pos)
        };
        Ok(out)
    }

    #[inline(never)]
    #[allow(unused_variables)]
    fn process_regex(
        &mut self,
        kind: SynKind,
        pos: usize,
        keep_array: bool,
        is_elvis: bool,
    ) -> Result<Node> {
        let SynKind::Regex { pattern, flags } = kind else {
            return Err(Failure::new("S0201").at(pos));
        };
        let out = {
            let re = RegexLiteral::new(&pattern, &flags).map_err(|f| f.at(pos))?;
            Node::new(Kind::Regex(Arc::new(re)), pos)
        };
        Ok(out)
    }
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Path(_) => "path",
        Kind::Binary(..) => "binary",
        Kind::Negate(_) | Kind::ArrayCons(_) | Kind::ObjectCons(_) => "unary",
        Kind::Name(_) => "name",
        Kind::String(_) => "string",
        Kind::Number(_) => "number",
        Kind::Bool(_) | Kind::Null => "value",
        Kind::Wildcard => "wildcard",
        Kind::Descendant => "descendant",
        Kind::Parent(_) => "parent",
        Kind::Condition { .. } | Kind::Elvis(..) | Kind::Coalesce(..) => "condition",
        Kind::Block(_) => "block",
        Kind::Bind(..) => "bind",
        Kind::Regex(_) => "regex",
        Kind::Variable(_) => "variable",
        Kind::Lambda(_) => "lambda",
        Kind::Call { .. } => "function",
        Kind::Partial { .. } => "partial",
        Kind::Apply(..) => "apply",
        Kind::Transform(_) => "transform",
        Kind::Sort(_) => "sort",
        Kind::Placeholder => "operator",
    }
}

/// jsonata-js `tailCallOptimize`: a call in tail position of a lambda body is evaluated by the
/// caller's trampoline instead of growing the stack.
fn mark_tail_calls(node: &mut Node) {
    let plain = node.predicate.is_empty() && node.group.is_none() && !node.keep_array;
    match &mut node.kind {
        Kind::Call { tail, .. } if plain => *tail = true,
        Kind::Condition {
            then, otherwise, ..
        } => {
            mark_tail_calls(then);
            if let Some(o) = otherwise {
                mark_tail_calls(o);
            }
        }
        Kind::Block(exprs) => {
            if let Some(last) = exprs.last_mut() {
                mark_tail_calls(last);
            }
        }
        _ => {}
    }
}

/// The variables an expression reads that it does not bind itself.
pub fn free_variables(root: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut scopes: Vec<HashSet<String>> = vec![bound_in(root)];
    walk_free(root, &mut scopes, &mut out, &mut seen);
    out
}

/// The fields of the free variable `$name` an expression reads, when it only ever reads it as
/// the head of a path whose next step is a plain field name (`$states.input.x`); `None` when
/// it may read all of it: the variable on its own (`$states`, `$keys($states)`), a path that
/// does more with its head (`$states[0]`, `$states.*`, `$states.(input)`), a parent step `%`
/// (which can climb back to the head), or a binding of the same name anywhere in it.
pub fn fields_read(root: &Node, name: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut whole = false;
    walk_fields(root, name, &mut fields, &mut whole);
    if whole {
        return None;
    }
    fields.sort();
    fields.dedup();
    Some(fields)
}

fn walk_fields(node: &Node, name: &str, fields: &mut Vec<String>, whole: &mut bool) {
    if *whole {
        return;
    }
    let binds = |n: &Option<String>| n.as_deref() == Some(name);
    if binds(&node.focus)
        || binds(&node.index)
        || node
            .stages
            .iter()
            .any(|s| matches!(s, Stage::Index(i) if i == name))
    {
        *whole = true;
        return;
    }
    match &node.kind {
        Kind::Variable(v) if v == name => *whole = true,
        Kind::Bind(v, _) if v == name => *whole = true,
        Kind::Parent(_) => *whole = true,
        Kind::Lambda(def) => {
            if def.params.iter().any(|p| p == name) {
                *whole = true;
            } else {
                walk_fields(&def.body, name, fields, whole);
            }
        }
        Kind::Path(steps) => {
            let field = match steps.as_slice() {
                [head, next, ..] if plain_variable(head, name) => match &next.kind {
                    Kind::Name(field) => Some(field.clone()),
                    _ => None,
                },
                _ => None,
            };
            match field {
                Some(field) => {
                    fields.push(field);
                    // The head is accounted for; the rest may read the variable again.
                    let head = &steps[0];
                    for_each_child(node, &mut |c| {
                        if !std::ptr::eq(c, head) {
                            walk_fields(c, name, fields, whole);
                        }
                    });
                }
                None => for_each_child(node, &mut |c| walk_fields(c, name, fields, whole)),
            }
        }
        _ => for_each_child(node, &mut |c| walk_fields(c, name, fields, whole)),
    }
}

/// The variable and the fields an expression reads when it is nothing but `$name` or
/// `$name.a.b` (no predicate, binding, grouping or array constructor anywhere).
pub fn variable_path(root: &Node) -> Option<(String, Vec<String>)> {
    let plain_node = |n: &Node| {
        n.stages.is_empty()
            && n.predicate.is_empty()
            && n.group.is_none()
            && n.focus.is_none()
            && n.index.is_none()
            && !n.tuple
            && !n.keep_array
            && !n.consarray
            && !n.keep_singleton_array
            && n.ancestor.is_none()
            && n.seeking_parent.is_empty()
    };
    if !plain_node(root) {
        return None;
    }
    match &root.kind {
        Kind::Variable(v) if !v.is_empty() => Some((v.clone(), Vec::new())),
        Kind::Path(steps) => {
            let (head, rest) = steps.split_first()?;
            let Kind::Variable(v) = &head.kind else {
                return None;
            };
            if v.is_empty() || !plain_node(head) {
                return None;
            }
            let fields = rest
                .iter()
                .map(|step| match &step.kind {
                    Kind::Name(name) if plain_node(step) => Some(name.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some((v.clone(), fields))
        }
        _ => None,
    }
}

/// `$name` as a path step that only reads the variable: no predicate, binding or grouping.
fn plain_variable(step: &Node, name: &str) -> bool {
    matches!(&step.kind, Kind::Variable(v) if v == name)
        && step.stages.is_empty()
        && step.predicate.is_empty()
        && step.group.is_none()
        && step.focus.is_none()
        && step.index.is_none()
        && !step.tuple
}

/// Names bound by `:=`, `@$v` and `#$i` in this scope (not inside nested blocks or lambdas).
fn bound_in(node: &Node) -> HashSet<String> {
    let mut names = HashSet::new();
    collect_bound(node, &mut names, true);
    names
}

fn collect_bound(node: &Node, names: &mut HashSet<String>, top: bool) {
    if let Some(f) = &node.focus {
        names.insert(f.clone());
    }
    if let Some(i) = &node.index {
        names.insert(i.clone());
    }
    for stage in &node.stages {
        if let Stage::Index(i) = stage {
            names.insert(i.clone());
        }
    }
    match &node.kind {
        Kind::Bind(name, _) => {
            names.insert(name.clone());
        }
        Kind::Block(_) | Kind::Lambda(_) if !top => return,
        _ => {}
    }
    for_each_child(node, &mut |c| collect_bound(c, names, false));
}

fn walk_free(
    node: &Node,
    scopes: &mut Vec<HashSet<String>>,
    out: &mut Vec<String>,
    seen: &mut HashSet<String>,
) {
    match &node.kind {
        Kind::Variable(v) => {
            let builtin = super::functions::lookup(v).is_some();
            if !v.is_empty()
                && v != "$"
                && !builtin
                && !scopes.iter().any(|s| s.contains(v))
                && seen.insert(v.clone())
            {
                out.push(v.clone());
            }
        }
        Kind::Block(_) => {
            scopes.push(bound_in(node));
            for_each_child(node, &mut |c| walk_free(c, scopes, out, seen));
            scopes.pop();
            return;
        }
        Kind::Lambda(def) => {
            let mut scope: HashSet<String> = def.params.iter().cloned().collect();
            scope.extend(bound_in(&def.body));
            scopes.push(scope);
            walk_free(&def.body, scopes, out, seen);
            scopes.pop();
            return;
        }
        _ => {}
    }
    for_each_child(node, &mut |c| walk_free(c, scopes, out, seen));
}

/// Calls `f` on each direct child expression of a node (not lambda bodies).
pub fn for_each_child(node: &Node, f: &mut dyn FnMut(&Node)) {
    for stage in node.predicate.iter().chain(node.stages.iter()) {
        if let Stage::Filter { expr, .. } = stage {
            f(expr);
        }
    }
    if let Some(g) = &node.group {
        for (k, v) in &g.pairs {
            f(k);
            f(v);
        }
    }
    match &node.kind {
        Kind::Path(steps) | Kind::ArrayCons(steps) | Kind::Block(steps) => steps.iter().for_each(f),
        Kind::Binary(_, a, b) | Kind::Elvis(a, b) | Kind::Coalesce(a, b) | Kind::Apply(a, b) => {
            f(a);
            f(b);
        }
        Kind::Negate(a) | Kind::Bind(_, a) => f(a),
        Kind::ObjectCons(pairs) => {
            for (k, v) in pairs {
                f(k);
                f(v);
            }
        }
        Kind::Condition {
            cond,
            then,
            otherwise,
        } => {
            f(cond);
            f(then);
            if let Some(o) = otherwise {
                f(o);
            }
        }
        Kind::Call {
            procedure, args, ..
        } => {
            f(procedure);
            args.iter().for_each(f);
        }
        Kind::Partial { procedure, args } => {
            f(procedure);
            args.iter().flatten().for_each(f);
        }
        Kind::Transform(t) => {
            f(&t.pattern);
            f(&t.update);
            if let Some(d) = &t.delete {
                f(d);
            }
        }
        Kind::Sort(terms) => terms.iter().for_each(|t| f(&t.expr)),
        Kind::Lambda(_)
        | Kind::Name(_)
        | Kind::String(_)
        | Kind::Number(_)
        | Kind::Bool(_)
        | Kind::Null
        | Kind::Wildcard
        | Kind::Descendant
        | Kind::Parent(_)
        | Kind::Regex(_)
        | Kind::Variable(_)
        | Kind::Placeholder => {}
    }
}
