//! The JSONata parser: Pratt (top-down operator precedence) over the [`Lexer`]'s tokens, as
//! jsonata-js parses. It produces the raw syntax tree ([`Syn`]); [`super::ast::process`] turns
//! that into the evaluated form (paths, stages, tuple steps).

use super::error::{Failure, Result, StackGuard};
use super::lexer::{Lexer, Token, binding_power};
use super::signature::Signature;

/// Deepest nesting the parser accepts before refusing the expression: each level costs stack in
/// the parser, the post-processing and the evaluator.
pub const MAX_PARSE_DEPTH: usize = 200;

#[derive(Debug, Clone)]
pub struct Syn {
    pub kind: SynKind,
    pub position: usize,
    pub keep_array: bool,
}

#[derive(Debug, Clone)]
pub struct SortTermSyn {
    pub descending: bool,
    pub expr: Syn,
}

#[derive(Debug, Clone)]
pub enum SynKind {
    Name(String),
    Variable(String),
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    Regex {
        pattern: String,
        flags: String,
    },
    Wildcard,
    Descendant,
    Parent,
    /// `and`, `or` or `in` where an operand is expected: a field name.
    OperatorName(&'static str),
    /// `?` in an argument list (partial application).
    Placeholder,
    Binary {
        op: &'static str,
        lhs: Box<Syn>,
        rhs: Box<Syn>,
    },
    /// `lhs[rhs]`
    Filter {
        lhs: Box<Syn>,
        rhs: Box<Syn>,
    },
    /// `lhs{k: v, ...}`
    GroupBy {
        lhs: Box<Syn>,
        pairs: Vec<(Syn, Syn)>,
    },
    /// `lhs^(terms)`
    OrderBy {
        lhs: Box<Syn>,
        terms: Vec<SortTermSyn>,
    },
    /// `lhs@$var`
    Focus {
        lhs: Box<Syn>,
        var: String,
    },
    /// `lhs#$var`
    IndexBind {
        lhs: Box<Syn>,
        var: String,
    },
    Bind {
        var: String,
        rhs: Box<Syn>,
    },
    Apply {
        lhs: Box<Syn>,
        rhs: Box<Syn>,
    },
    Negate(Box<Syn>),
    ArrayCons(Vec<Syn>),
    ObjectCons(Vec<(Syn, Syn)>),
    Block(Vec<Syn>),
    Call {
        procedure: Box<Syn>,
        args: Vec<Syn>,
        partial: bool,
    },
    Lambda {
        params: Vec<String>,
        signature: Option<Box<Signature>>,
        body: Box<Syn>,
    },
    Condition {
        cond: Box<Syn>,
        then: Box<Syn>,
        otherwise: Option<Box<Syn>>,
    },
    /// `lhs ?: rhs`
    Elvis {
        lhs: Box<Syn>,
        rhs: Box<Syn>,
    },
    /// `lhs ?? rhs`
    Coalesce {
        lhs: Box<Syn>,
        rhs: Box<Syn>,
    },
    Transform {
        pattern: Box<Syn>,
        update: Box<Syn>,
        delete: Option<Box<Syn>>,
    },
}

/// The token the parser is looking at: its id as jsonata-js's symbol table names it.
#[derive(Debug, Clone)]
struct Node {
    id: &'static str,
    token: Option<Token>,
    position: usize,
}

impl Node {
    fn text(&self) -> String {
        match &self.token {
            Some(Token::Operator(o)) => o.to_string(),
            Some(Token::Name(n)) => n.clone(),
            Some(Token::Variable(n)) => format!("${n}"),
            Some(Token::String(s)) => s.clone(),
            Some(Token::Number(n)) => super::value::number_to_string(*n),
            Some(Token::Bool(b)) => b.to_string(),
            Some(Token::Null) => "null".into(),
            Some(Token::Regex { pattern, .. }) => format!("/{pattern}/"),
            None => "(end)".into(),
        }
    }
}

pub struct Parser {
    lexer: Lexer,
    node: Node,
    depth: usize,
    stack: StackGuard,
}

/// Native stack the parser and the post-processing may use when they run on the caller's
/// thread (see [`super::Expression::parse`] for the dedicated thread they normally run on).
pub const MAX_PARSE_STACK: usize = 512 * 1024;

/// Parses `text`, refusing nesting that would use more than `max_stack` bytes of stack.
pub fn parse(text: &str, max_stack: usize) -> Result<Syn> {
    let mut p = Parser {
        lexer: Lexer::new(text),
        node: Node {
            id: "(end)",
            token: None,
            position: 0,
        },
        depth: 0,
        stack: StackGuard::new(max_stack),
    };
    p.advance(None, false)?;
    let expr = p.expression(0)?;
    if p.node.id != "(end)" {
        return Err(Failure::new("S0201")
            .at(p.node.position)
            .token(p.node.text()));
    }
    Ok(expr)
}

impl Parser {
    fn advance(&mut self, expected: Option<&str>, infix: bool) -> Result<Node> {
        if let Some(id) = expected
            && self.node.id != id
        {
            let code = if self.node.id == "(end)" {
                "S0203"
            } else {
                "S0202"
            };
            return Err(Failure::new(code)
                .at(self.node.position)
                .token(self.node.text())
                .value(serde_json::to_string(id).unwrap_or_default()));
        }
        let current = self.node.clone();
        self.node = match self.lexer.next(infix)? {
            None => Node {
                id: "(end)",
                token: None,
                position: self.lexer.text_len(),
            },
            Some((Token::Operator(op @ ("!" | "~")), position)) => {
                // In the operator table but not a symbol of the grammar.
                return Err(Failure::new("S0204").at(position).token(op));
            }
            Some((token, position)) => {
                let id = match &token {
                    Token::Name(_) | Token::Variable(_) => "(name)",
                    Token::Operator(op) => op,
                    Token::Regex { .. } => "(regex)",
                    _ => "(literal)",
                };
                Node {
                    id,
                    token: Some(token),
                    position,
                }
            }
        };
        Ok(current)
    }

    /// The left binding power of the current token: only the symbols jsonata-js registers as
    /// infix operators have one (`;`, `:`, `..`, `|` and the closing brackets have none).
    fn lbp(&self) -> u32 {
        match self.node.token {
            Some(Token::Operator(op)) => match op {
                "." | "+" | "-" | "*" | "/" | "%" | "=" | "<" | ">" | "!=" | "<=" | ">=" | "&"
                | "and" | "or" | "in" | "~>" | "(" | "[" | "^" | "{" | ":=" | "@" | "#" | "?"
                | "?:" | "??" => binding_power(op),
                _ => 0,
            },
            _ => 0,
        }
    }

    fn expression(&mut self, rbp: u32) -> Result<Syn> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(Failure::new("U1004").at(self.node.position));
        }
        if std::env::var("SPROBE").is_ok() {
            eprintln!("parser depth {}", self.depth);
        }
        self.stack.check(self.node.position)?;
        let t = self.advance(None, true)?;
        let mut left = self.nud(t)?;
        while rbp < self.lbp() {
            let t = self.advance(None, false)?;
            left = self.led(t, left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn syn(kind: SynKind, position: usize) -> Syn {
        Syn {
            kind,
            position,
            keep_array: false,
        }
    }

    // The grammar's functions each handle one construct and are kept out of line: in debug
    // builds a function's frame holds every local of every branch, and these recurse once per
    // level of nesting.

    fn nud(&mut self, t: Node) -> Result<Syn> {
        let pos = t.position;
        let kind = match t.token {
            None => return Err(Failure::new("S0207").at(pos)),
            Some(Token::Name(n)) => SynKind::Name(n),
            Some(Token::Variable(n)) => SynKind::Variable(n),
            Some(Token::String(s)) => SynKind::String(s),
            Some(Token::Number(n)) => SynKind::Number(n),
            Some(Token::Bool(b)) => SynKind::Bool(b),
            Some(Token::Null) => SynKind::Null,
            Some(Token::Regex { pattern, flags }) => SynKind::Regex { pattern, flags },
            Some(Token::Operator(op)) => self.prefix(op, pos)?,
        };
        Ok(Self::syn(kind, pos))
    }

    #[inline(never)]
    fn prefix(&mut self, op: &'static str, pos: usize) -> Result<SynKind> {
        Ok(match op {
            "and" | "or" | "in" => SynKind::OperatorName(op),
            "-" => SynKind::Negate(Box::new(self.expression(70)?)),
            "*" => SynKind::Wildcard,
            "**" => SynKind::Descendant,
            "%" => SynKind::Parent,
            "(" => self.block()?,
            "[" => self.array_constructor()?,
            "{" => SynKind::ObjectCons(self.object_pairs()?),
            "|" => self.transform()?,
            _ => return Err(Failure::new("S0211").at(pos).token(op)),
        })
    }

    #[inline(never)]
    fn block(&mut self) -> Result<SynKind> {
        let mut exprs = Vec::new();
        while self.node.id != ")" {
            exprs.push(self.expression(0)?);
            if self.node.id != ";" {
                break;
            }
            self.advance(Some(";"), false)?;
        }
        self.advance(Some(")"), true)?;
        Ok(SynKind::Block(exprs))
    }

    #[inline(never)]
    fn array_constructor(&mut self) -> Result<SynKind> {
        let mut items = Vec::new();
        if self.node.id != "]" {
            loop {
                let mut item = self.expression(0)?;
                if self.node.id == ".." {
                    let rpos = self.node.position;
                    self.advance(Some(".."), false)?;
                    let rhs = self.expression(0)?;
                    item = Self::syn(
                        SynKind::Binary {
                            op: "..",
                            lhs: Box::new(item),
                            rhs: Box::new(rhs),
                        },
                        rpos,
                    );
                }
                items.push(item);
                if self.node.id != "," {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some("]"), true)?;
        Ok(SynKind::ArrayCons(items))
    }

    #[inline(never)]
    fn transform(&mut self) -> Result<SynKind> {
        let pattern = self.expression(0)?;
        self.advance(Some("|"), false)?;
        let update = self.expression(0)?;
        let delete = if self.node.id == "," {
            self.advance(Some(","), false)?;
            Some(Box::new(self.expression(0)?))
        } else {
            None
        };
        self.advance(Some("|"), false)?;
        Ok(SynKind::Transform {
            pattern: Box::new(pattern),
            update: Box::new(update),
            delete,
        })
    }

    #[inline(never)]
    fn object_pairs(&mut self) -> Result<Vec<(Syn, Syn)>> {
        let mut pairs = Vec::new();
        if self.node.id != "}" {
            loop {
                let k = self.expression(0)?;
                self.advance(Some(":"), false)?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if self.node.id != "," {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some("}"), true)?;
        Ok(pairs)
    }

    fn variable_name(syn: &Syn) -> Option<String> {
        match &syn.kind {
            SynKind::Variable(v) => Some(v.clone()),
            _ => None,
        }
    }

    fn led(&mut self, t: Node, left: Syn) -> Result<Syn> {
        let pos = t.position;
        let Some(Token::Operator(op)) = t.token else {
            return Err(Failure::new("S0201").at(pos).token(t.text()));
        };
        let kind = match op {
            "(" => return self.call(left, pos),
            "[" => return self.filter(left, pos),
            "^" => self.order_by(left)?,
            "{" => SynKind::GroupBy {
                lhs: Box::new(left),
                pairs: self.object_pairs()?,
            },
            ":=" | "@" | "#" => self.binding(op, left)?,
            "?" => self.condition(left)?,
            _ => self.infix(op, left, pos)?,
        };
        Ok(Self::syn(kind, pos))
    }

    #[inline(never)]
    fn infix(&mut self, op: &'static str, left: Syn, pos: usize) -> Result<SynKind> {
        let bp = binding_power(op);
        Ok(match op {
            "." | "+" | "-" | "*" | "/" | "%" | "=" | "<" | ">" | "!=" | "<=" | ">=" | "&"
            | "and" | "or" | "in" => {
                let rhs = self.expression(bp)?;
                SynKind::Binary {
                    op,
                    lhs: Box::new(left),
                    rhs: Box::new(rhs),
                }
            }
            "~>" => {
                let rhs = self.expression(bp)?;
                SynKind::Apply {
                    lhs: Box::new(left),
                    rhs: Box::new(rhs),
                }
            }
            "?:" => SynKind::Elvis {
                lhs: Box::new(left),
                rhs: Box::new(self.expression(0)?),
            },
            "??" => SynKind::Coalesce {
                lhs: Box::new(left),
                rhs: Box::new(self.expression(0)?),
            },
            _ => return Err(Failure::new("S0201").at(pos).token(op)),
        })
    }

    #[inline(never)]
    fn filter(&mut self, left: Syn, pos: usize) -> Result<Syn> {
        if self.node.id == "]" {
            // `[]`: keep singleton arrays; marks the innermost step of a predicate chain.
            let mut left = left;
            mark_keep_array(&mut left);
            self.advance(Some("]"), true)?;
            return Ok(left);
        }
        let rhs = self.expression(binding_power("]"))?;
        self.advance(Some("]"), true)?;
        Ok(Self::syn(
            SynKind::Filter {
                lhs: Box::new(left),
                rhs: Box::new(rhs),
            },
            pos,
        ))
    }

    #[inline(never)]
    fn order_by(&mut self, left: Syn) -> Result<SynKind> {
        self.advance(Some("("), false)?;
        let mut terms = Vec::new();
        loop {
            let mut descending = false;
            if self.node.id == "<" {
                self.advance(Some("<"), false)?;
            } else if self.node.id == ">" {
                descending = true;
                self.advance(Some(">"), false)?;
            }
            let expr = self.expression(0)?;
            terms.push(SortTermSyn { descending, expr });
            if self.node.id != "," {
                break;
            }
            self.advance(Some(","), false)?;
        }
        self.advance(Some(")"), true)?;
        Ok(SynKind::OrderBy {
            lhs: Box::new(left),
            terms,
        })
    }

    #[inline(never)]
    fn binding(&mut self, op: &'static str, left: Syn) -> Result<SynKind> {
        let bp = binding_power(op);
        if op == ":=" {
            let Some(var) = Self::variable_name(&left) else {
                return Err(Failure::new("S0212").at(left.position));
            };
            let rhs = self.expression(bp - 1)?;
            return Ok(SynKind::Bind {
                var,
                rhs: Box::new(rhs),
            });
        }
        let rhs = self.expression(bp)?;
        let Some(var) = Self::variable_name(&rhs) else {
            return Err(Failure::new("S0214").at(rhs.position).token(op));
        };
        Ok(if op == "@" {
            SynKind::Focus {
                lhs: Box::new(left),
                var,
            }
        } else {
            SynKind::IndexBind {
                lhs: Box::new(left),
                var,
            }
        })
    }

    #[inline(never)]
    fn condition(&mut self, left: Syn) -> Result<SynKind> {
        let then = self.expression(0)?;
        let otherwise = if self.node.id == ":" {
            self.advance(Some(":"), false)?;
            Some(Box::new(self.expression(0)?))
        } else {
            None
        };
        Ok(SynKind::Condition {
            cond: Box::new(left),
            then: Box::new(then),
            otherwise,
        })
    }

    #[inline(never)]
    fn call(&mut self, left: Syn, pos: usize) -> Result<Syn> {
        let mut args = Vec::new();
        let mut partial = false;
        if self.node.id != ")" {
            loop {
                if self.node.id == "?" {
                    partial = true;
                    let p = self.node.position;
                    args.push(Self::syn(SynKind::Placeholder, p));
                    self.advance(Some("?"), false)?;
                } else {
                    args.push(self.expression(0)?);
                }
                if self.node.id != "," {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some(")"), true)?;
        let is_lambda = matches!(&left.kind, SynKind::Name(n) if n == "function" || n == "\u{3bb}");
        if !is_lambda {
            return Ok(Self::syn(
                SynKind::Call {
                    procedure: Box::new(left),
                    args,
                    partial,
                },
                pos,
            ));
        }
        let mut params = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            match &arg.kind {
                SynKind::Variable(v) => params.push(v.clone()),
                _ => {
                    return Err(Failure::new("S0208")
                        .at(arg.position)
                        .value((i + 1).to_string()));
                }
            }
        }
        let mut signature = None;
        if self.node.id == "<" {
            // The signature is re-assembled from the tokens between the angle brackets.
            let sig_pos = self.node.position;
            let mut depth = 1;
            let mut sig = String::from("<");
            while depth > 0 && self.node.id != "{" && self.node.id != "(end)" {
                self.advance(None, false)?;
                let tok = self.node.clone();
                match tok.id {
                    ">" => depth -= 1,
                    "<" => depth += 1,
                    _ => {}
                }
                sig.push_str(&tok.text());
            }
            self.advance(Some(">"), false)?;
            signature = Some(Box::new(Signature::parse(&sig).map_err(|mut e| {
                e.position = Some(sig_pos + e.position.unwrap_or(0));
                e
            })?));
        }
        self.advance(Some("{"), false)?;
        let body = self.expression(0)?;
        self.advance(Some("}"), false)?;
        Ok(Self::syn(
            SynKind::Lambda {
                params,
                signature,
                body: Box::new(body),
            },
            pos,
        ))
    }
}

fn mark_keep_array(syn: &mut Syn) {
    let mut step = syn;
    while let SynKind::Filter { lhs, .. } = &mut step.kind {
        step = lhs;
    }
    step.keep_array = true;
}

#[cfg(test)]
mod tests;
