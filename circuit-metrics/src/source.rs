//! The seam every metric producer goes through.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::model::Sample;
use crate::{BreakerSource, RegistrySource};

/// Something the [`Collector`](crate::Collector) can read metrics from:
/// a breaker ([`BreakerSource`](crate::BreakerSource)), a client's request
/// statistics, anything with numbers.
///
/// Implementations describe their metrics with `static`
/// [`Descriptor`](crate::Descriptor)s and append one [`Sample`] per series.
/// `collect` runs at export time, on the exporter's thread: it may
/// allocate and take short locks, but must not block.
pub trait MetricSource: Send + Sync + fmt::Debug {
    /// A name for logs, such as `circuit_breaker/kol-matcher`.
    fn name(&self) -> Cow<'_, str>;

    /// Appends the current value of every series.
    fn collect(&self, out: &mut Vec<Sample>);

    /// The breaker this source reports, if it is a [`BreakerSource`]: how
    /// the dashboard finds the breakers registered with a
    /// [`Collector`](crate::Collector). Other sources keep the default.
    fn as_breaker(&self) -> Option<&BreakerSource> {
        None
    }

    /// The registry this source reports, if it is a [`RegistrySource`]:
    /// how the dashboard lists the keys of a registry registered with a
    /// [`Collector`](crate::Collector). Other sources keep the default.
    fn as_registry(&self) -> Option<&RegistrySource> {
        None
    }
}

impl<S: MetricSource + ?Sized> MetricSource for Arc<S> {
    fn name(&self) -> Cow<'_, str> {
        (**self).name()
    }

    fn collect(&self, out: &mut Vec<Sample>) {
        (**self).collect(out);
    }

    fn as_breaker(&self) -> Option<&BreakerSource> {
        (**self).as_breaker()
    }

    fn as_registry(&self) -> Option<&RegistrySource> {
        (**self).as_registry()
    }
}

impl<S: MetricSource + ?Sized> MetricSource for Box<S> {
    fn name(&self) -> Cow<'_, str> {
        (**self).name()
    }

    fn collect(&self, out: &mut Vec<Sample>) {
        (**self).collect(out);
    }

    fn as_breaker(&self) -> Option<&BreakerSource> {
        (**self).as_breaker()
    }

    fn as_registry(&self) -> Option<&RegistrySource> {
        (**self).as_registry()
    }
}
