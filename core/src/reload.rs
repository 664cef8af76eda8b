//! What a re-read config asks of the servers running from the old one: which start, which quit,
//! which restart with new options, and which are left alone. Servers are told apart by name;
//! a server whose options changed in any way restarts, since scsynth takes its options only at
//! boot.
//!
//! The quits ([`Plan::stop`] and [`Plan::restart`]) come before the boots ([`Plan::restart`] and
//! [`Plan::start`]): a port may move from a removed or changed server to another one.

/// The changes between two sets of named servers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// New names: boot them.
    pub start: Vec<String>,
    /// Names gone from the file: quit them.
    pub stop: Vec<String>,
    /// Names whose options changed: quit them, then boot them with the new options.
    pub restart: Vec<String>,
    /// Names with the same options: leave them running.
    pub keep: Vec<String>,
}

impl Plan {
    /// Compares the running servers with the wanted ones, each a name and its options; the
    /// lists follow the order of `wanted` (and of `running` for [`Plan::stop`]).
    pub fn between<'a, T: PartialEq + 'a>(
        running: impl IntoIterator<Item = (&'a str, &'a T)>,
        wanted: impl IntoIterator<Item = (&'a str, &'a T)>,
    ) -> Plan {
        let running: Vec<(&str, &T)> = running.into_iter().collect();
        let wanted: Vec<(&str, &T)> = wanted.into_iter().collect();
        let mut plan = Plan::default();
        for (name, options) in &wanted {
            let list = match running.iter().find(|(n, _)| n == name) {
                None => &mut plan.start,
                Some((_, old)) if old == options => &mut plan.keep,
                Some(_) => &mut plan.restart,
            };
            list.push((*name).to_owned());
        }
        plan.stop = running
            .iter()
            .filter(|(name, _)| !wanted.iter().any(|(n, _)| n == name))
            .map(|(name, _)| (*name).to_owned())
            .collect();
        plan
    }

    /// Whether nothing is to be done.
    pub fn is_empty(&self) -> bool {
        self.start.is_empty() && self.stop.is_empty() && self.restart.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(running: &[(&str, u16)], wanted: &[(&str, u16)]) -> Plan {
        Plan::between(
            running.iter().map(|(n, p)| (*n, p)),
            wanted.iter().map(|(n, p)| (*n, p)),
        )
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn added_removed_changed_and_unchanged() {
        let p = plan(
            &[("a", 1), ("b", 2), ("c", 3)],
            &[("d", 4), ("b", 20), ("a", 1)],
        );
        assert_eq!(p.start, names(&["d"]));
        assert_eq!(p.stop, names(&["c"]));
        assert_eq!(p.restart, names(&["b"]));
        assert_eq!(p.keep, names(&["a"]));
        assert!(!p.is_empty());
    }

    #[test]
    fn the_same_file_changes_nothing() {
        let servers = [("a", 1), ("b", 2)];
        let p = plan(&servers, &servers);
        assert!(p.is_empty());
        assert_eq!(p.keep, names(&["a", "b"]));
    }

    #[test]
    fn a_renamed_server_is_one_stop_and_one_start() {
        let p = plan(&[("a", 1)], &[("z", 1)]);
        assert_eq!((p.stop, p.start), (names(&["a"]), names(&["z"])));
    }

    #[test]
    fn swapped_ports_restart_both() {
        let p = plan(&[("a", 1), ("b", 2)], &[("a", 2), ("b", 1)]);
        assert_eq!(p.restart, names(&["a", "b"]));
    }

    #[test]
    fn from_nothing_and_to_nothing() {
        assert_eq!(plan(&[], &[("a", 1)]).start, names(&["a"]));
        assert_eq!(plan(&[("a", 1)], &[]).stop, names(&["a"]));
        assert!(plan(&[], &[]).is_empty());
    }
}
