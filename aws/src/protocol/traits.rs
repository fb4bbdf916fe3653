//! The traits a shape has where it is used: those on the reference (a member, a list's
//! member, an operation's input) win over those on the shape, as botocore merges them.
//!
//! Owns: that one merging rule. Must not: read values.

use crate::model::{Shape, ShapeRef, XmlNamespace};
use crate::protocol::value::TimestampFormat;

/// A reference with the shape it names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'m> {
    /// The reference, with its traits.
    pub r: &'m ShapeRef,
    /// The shape.
    pub shape: &'m Shape,
}

impl<'m> Target<'m> {
    /// The name on the wire where the shape is used, if the model gives one. A shape's own
    /// `locationName` names it only as a document's root ([`Target::root_name`]).
    pub(crate) fn location_name(&self) -> Option<&'m str> {
        self.r.location_name.as_deref()
    }

    /// The name of the root element an XML body of this shape has: the reference's name, the
    /// shape's, else the shape's model name.
    pub(crate) fn root_name(&self) -> &'m str {
        self.r
            .location_name
            .as_deref()
            .or(self.shape.location_name.as_deref())
            .unwrap_or(&self.r.shape)
    }

    /// A list or map whose entries are not wrapped.
    pub(crate) fn flattened(&self) -> bool {
        self.r.flattened || self.shape.flattened
    }

    /// The timestamp format, else the protocol's `default`.
    pub(crate) fn timestamp_format(&self, default: TimestampFormat) -> TimestampFormat {
        let named = self
            .r
            .timestamp_format
            .as_deref()
            .or(self.shape.timestamp_format.as_deref());
        TimestampFormat::named(named, default)
    }

    /// The XML namespace.
    pub(crate) fn xml_namespace(&self) -> Option<&'m XmlNamespace> {
        self.r
            .xml_namespace
            .as_ref()
            .or(self.shape.xml_namespace.as_ref())
    }

    /// A streamed blob or string.
    pub(crate) fn streaming(&self) -> bool {
        self.r.streaming || self.shape.streaming
    }
}
