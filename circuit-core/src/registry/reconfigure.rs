//! Changing the configs of a registry's breakers while they run.

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::Arc;

use super::{Registry, RegistryError, shards};
use crate::Config;
use crate::sync::lock;

impl<K> Registry<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    /// Gives every breaker, those created later and the overflow breaker
    /// `config`, through [`CircuitBreaker::reconfigure`](crate::CircuitBreaker::reconfigure)
    /// (states, counts and history are kept). Configs given per key
    /// (`config_for`, [`reconfigure_key`](Self::reconfigure_key)) are
    /// dropped: all keys now share this one.
    ///
    /// ```
    /// use circuit_core::{Config, Registry};
    ///
    /// let hosts: Registry<String> = Registry::new(Config::default()).unwrap();
    /// let api = hosts.get("https://api.example.com:443");
    /// hosts.reconfigure(Config { max_failures: 2, ..Config::default() }).unwrap();
    /// assert_eq!(api.config().max_failures, 2);
    /// assert_eq!(hosts.get("https://cdn.example.com:443").config().max_failures, 2);
    /// ```
    ///
    /// # Errors
    /// [`RegistryError::Config`] if `config` breaks a rule; nothing is
    /// changed then.
    pub fn reconfigure(&self, config: Config) -> Result<(), RegistryError> {
        config.validate().map_err(RegistryError::Config)?;
        let mut writer = lock(&self.writer);
        writer.default = config.clone();
        writer.config_for = None;
        writer.overrides.clear();
        for (_, slot) in self.slots() {
            slot.breaker
                .reconfigure(config.clone())
                .map_err(RegistryError::Config)?;
        }
        self.overflow
            .reconfigure(config)
            .map_err(RegistryError::Config)
    }

    /// Replaces the per-key config function and applies it to every
    /// breaker the registry holds, and to those created later. Per-key
    /// configs given with [`reconfigure_key`](Self::reconfigure_key) are
    /// dropped.
    ///
    /// # Errors
    /// [`RegistryError::KeyConfig`] for the first held key whose new config
    /// breaks a rule; nothing is changed then.
    pub fn reconfigure_with(
        &self,
        config_for: impl Fn(&K) -> Config + Send + Sync + 'static,
    ) -> Result<(), RegistryError> {
        let mut writer = lock(&self.writer);
        let mut planned = Vec::with_capacity(self.len());
        for (key, slot) in self.slots() {
            let config = config_for(&key);
            config
                .validate()
                .map_err(|source| RegistryError::KeyConfig {
                    breaker: slot.breaker.name().to_owned(),
                    source,
                })?;
            planned.push((Arc::clone(&slot.breaker), config));
        }
        writer.config_for = Some(Arc::new(config_for));
        writer.overrides.clear();
        for (breaker, config) in planned {
            breaker
                .reconfigure(config)
                .map_err(|source| RegistryError::KeyConfig {
                    breaker: breaker.name().to_owned(),
                    source,
                })?;
        }
        Ok(())
    }

    /// Gives `key`'s breaker `config`, now if it has one and whenever one
    /// is created for it later (after an eviction, say). Returns whether
    /// a breaker was reconfigured now. The registry keeps one config per
    /// key reconfigured this way, until [`reconfigure`](Self::reconfigure)
    /// or [`reconfigure_with`](Self::reconfigure_with).
    ///
    /// # Errors
    /// [`RegistryError::KeyConfig`] if `config` breaks a rule; nothing is
    /// changed then.
    pub fn reconfigure_key<Q>(&self, key: &Q, config: Config) -> Result<bool, RegistryError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let key = key.to_owned();
        if let Err(source) = config.validate() {
            return Err(RegistryError::KeyConfig {
                breaker: self.make.name(&key),
                source,
            });
        }
        let mut writer = lock(&self.writer);
        let hash = self.shards.hash(&key);
        let table = self.shards.cell_of(hash).load();
        let held = shards::find::<K, K>(&table, hash, &key).map(|slot| Arc::clone(&slot.breaker));
        writer.overrides.insert(key, config.clone());
        match held {
            Some(breaker) => breaker
                .reconfigure(config)
                .map(|()| true)
                .map_err(|source| RegistryError::KeyConfig {
                    breaker: breaker.name().to_owned(),
                    source,
                }),
            None => Ok(false),
        }
    }
}
