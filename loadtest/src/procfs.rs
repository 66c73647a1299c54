//! Reading /proc without libc: open-file limit, CPU time and RSS.

use std::fs;

/// The soft "Max open files" limit of this process.
pub fn nofile_limit() -> Option<u64> {
    parse_nofile(&fs::read_to_string("/proc/self/limits").ok()?)
}

pub fn parse_nofile(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    if soft == "unlimited" {
        Some(u64::MAX)
    } else {
        soft.parse().ok()
    }
}

/// Clock ticks per second for /proc/<pid>/stat times (`getconf CLK_TCK`).
pub fn clk_tck() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(100)
}

/// utime + stime of a process in clock ticks (`None` pid: this process).
pub fn cpu_ticks(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".into(),
    };
    parse_stat_cpu(&fs::read_to_string(path).ok()?)
}

pub fn parse_stat_cpu(stat: &str) -> Option<u64> {
    // The command name (field 2) may contain spaces and parentheses: the
    // fields we want follow the last ')'. After it, field 3 (state) is
    // index 0, so utime (field 14) is index 11 and stime (15) index 12.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Machine-wide busy CPU time in clock ticks, summed over all CPUs
/// (user + nice + system + irq + softirq + steal from /proc/stat).
pub fn machine_busy_ticks() -> Option<u64> {
    parse_proc_stat_busy(&fs::read_to_string("/proc/stat").ok()?)
}

pub fn parse_proc_stat_busy(stat: &str) -> Option<u64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest is inside user).
    let get = |i: usize| f.get(i).copied().unwrap_or(0);
    Some(get(0) + get(1) + get(2) + get(5) + get(6) + get(7))
}

/// Resident set size in KiB (`VmRSS`).
pub fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".into(),
    };
    parse_vmrss(&fs::read_to_string(path).ok()?)
}

pub fn parse_vmrss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line["VmRSS:".len()..].split_whitespace().next()?.parse().ok()
}

pub fn mem_total_kib() -> Option<u64> {
    let s = fs::read_to_string("/proc/meminfo").ok()?;
    let l = s.lines().find(|l| l.starts_with("MemTotal:"))?;
    l["MemTotal:".len()..].split_whitespace().next()?.parse().ok()
}

pub fn cpu_model() -> Option<String> {
    let s = fs::read_to_string("/proc/cpuinfo").ok()?;
    let l = s.lines().find(|l| l.starts_with("model name"))?;
    Some(l.split_once(':')?.1.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_limits() {
        let s = "Limit                     Soft Limit           Hard Limit           Units     \n\
                 Max processes             94000                94000                processes \n\
                 Max open files            20000                40000                files     \n";
        assert_eq!(parse_nofile(s), Some(20000));
        assert_eq!(
            parse_nofile("Max open files            unlimited            unlimited            files"),
            Some(u64::MAX)
        );
        assert_eq!(parse_nofile("nothing"), None);
    }

    #[test]
    fn parses_stat_with_awkward_comm() {
        let s = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 37 0 0 20 0 8 0 100 1000000 500 \
                 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(parse_stat_cpu(s), Some(187));
        assert_eq!(parse_stat_cpu("1 (x) S 1"), None);
    }

    #[test]
    fn parses_proc_stat() {
        let s = "cpu  100 5 50 1000 7 3 2 1 0 0\ncpu0 50 2 25 500 3 1 1 0 0 0\nintr 1 2 3\n";
        assert_eq!(parse_proc_stat_busy(s), Some(100 + 5 + 50 + 3 + 2 + 1));
        assert_eq!(parse_proc_stat_busy("intr 1\n"), None);
    }

    #[test]
    fn parses_status() {
        let s = "Name:\troomcast\nVmPeak:\t  200000 kB\nVmRSS:\t   51234 kB\nThreads:\t3\n";
        assert_eq!(parse_vmrss(s), Some(51234));
        assert_eq!(parse_vmrss("Name: x\n"), None);
    }

    #[test]
    fn reads_own_process() {
        assert!(cpu_ticks(None).is_some());
        assert!(rss_kib(None).unwrap() > 0);
        assert!(nofile_limit().unwrap() > 0);
    }
}
