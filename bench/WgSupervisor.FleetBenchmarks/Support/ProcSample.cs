using System.Globalization;
using WgSupervisor.Testing;

namespace WgSupervisor.FleetBenchmarks.Support;

/// <summary>One reading of a process's CPU time (utime + stime, /proc/PID/stat) and resident memory (VmRSS, /proc/PID/status).</summary>
public readonly record struct ProcSample(DateTimeOffset At, double ElapsedSeconds, double CpuSeconds, long RssKiB)
{
    /// <summary>Clock ticks per second of the CPU times.</summary>
    public static long TicksPerSecond => CpuClock.TicksPerSecond;

    public double RssMiB => RssKiB / 1024.0;

    /// <summary>Null once the process is gone.</summary>
    public static ProcSample? Read(int pid, double elapsedSeconds)
    {
        if (CpuClock.Of(pid) is not { } cpu) return null;
        try
        {
            long rss = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                rss = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                break;
            }
            return new ProcSample(DateTimeOffset.UtcNow, elapsedSeconds, cpu.Self.TotalSeconds, rss);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
