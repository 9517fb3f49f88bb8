using System.Diagnostics;
using System.Globalization;

namespace WgSupervisor.Benchmarks.Support;

/// <summary>CPU time of a process from /proc/PID/stat: its own user+system time, and that of its children it has reaped.</summary>
public readonly record struct CpuSample(TimeSpan Self, TimeSpan Children)
{
    public TimeSpan Total => Self + Children;
    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.Self - b.Self, a.Children - b.Children);
}

public static class CpuClock
{
    private static readonly Lazy<double> TicksPerSecond = new(ReadTicksPerSecond);

    public static CpuSample Self() => Read("self") ?? throw new InvalidOperationException("cannot read /proc/self/stat");

    /// <summary>Null if the process is gone.</summary>
    public static CpuSample? Of(int pid) => Read(pid.ToString(CultureInfo.InvariantCulture));

    private static CpuSample? Read(string pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
        double Ticks(int field) => double.Parse(fields[field - 3], CultureInfo.InvariantCulture);
        var perSecond = TicksPerSecond.Value;
        return new CpuSample(
            TimeSpan.FromSeconds((Ticks(14) + Ticks(15)) / perSecond),
            TimeSpan.FromSeconds((Ticks(16) + Ticks(17)) / perSecond));
    }

    private static double ReadTicksPerSecond()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false });
            if (getconf is not null && getconf.WaitForExit(5000) &&
                double.TryParse(getconf.StandardOutput.ReadToEnd().Trim(), CultureInfo.InvariantCulture, out var ticks) && ticks > 0)
                return ticks;
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        return 100;
    }

    /// <summary>CPU time as a percentage of one core over a wall-clock span.</summary>
    public static double PercentOfOneCore(TimeSpan cpu, TimeSpan wall) => wall <= TimeSpan.Zero ? 0 : 100.0 * cpu.TotalSeconds / wall.TotalSeconds;
}
