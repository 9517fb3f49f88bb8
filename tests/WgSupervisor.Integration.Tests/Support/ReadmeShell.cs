using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// Runs a README command the way a user types it into a root shell: the exact text through `bash -c`, in a chosen
/// directory, with a plain login-like environment (none of the test runner's MSBuild or VSTest variables), never sudo.
/// </summary>
public static class ReadmeShell
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    /// <summary>What a user's root shell has: the PATH, home, locale, and where .NET and NuGet live when they are set.</summary>
    private static readonly string[] KeptVariables =
    [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TERM", "TMPDIR", "DOTNET_ROOT", "NUGET_PACKAGES", "DOTNET_CLI_TELEMETRY_OPTOUT",
        "DOTNET_NOLOGO", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE",
    ];

    public static Dictionary<string, string> UserEnvironment(IReadOnlyDictionary<string, string>? set = null)
    {
        var environment = new Dictionary<string, string>();
        foreach (var name in KeptVariables)
            if (Environment.GetEnvironmentVariable(name) is { } value) environment[name] = value;
        environment.TryAdd("HOME", "/root");
        environment.TryAdd("USER", "root");
        foreach (var (name, value) in set ?? new Dictionary<string, string>()) environment[name] = value;
        return environment;
    }

    /// <summary>Runs <paramref name="command"/> to its end within <paramref name="timeout"/>; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string command, string directory, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? set = null)
    {
        using var running = Start(command, directory, set);
        if (!await running.WaitForExitAsync(timeout))
        {
            await running.StopAsync(TimeSpan.FromSeconds(5));
            throw new TimeoutException($"'{command}' did not finish within {timeout.TotalSeconds} s:\n{running.Output}");
        }
        await running.StopAsync(TimeSpan.FromSeconds(5));
        return (running.Process.ExitCode, running.Output);
    }

    /// <summary>
    /// Starts <paramref name="command"/> as the leader of a session of its own (setsid), so that it and everything it starts
    /// can be found (their session id is its PID) and stopped together, as Ctrl-C stops a terminal's foreground job.
    /// </summary>
    public static RunningCommand Start(string command, string directory, IReadOnlyDictionary<string, string>? set = null)
    {
        var start = new ProcessStartInfo("setsid") { WorkingDirectory = directory };
        start.ArgumentList.Add("bash");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment.Clear();
        foreach (var (name, value) in UserEnvironment(set)) start.Environment[name] = value;
        var output = new StringBuilder();
        var process = OwnProcess.Start(start, line =>
        {
            lock (output) output.AppendLine(line);
        });
        return new RunningCommand(command, process, output);
    }

    /// <summary>A started README command: its output so far, and stopping it with everything in its session.</summary>
    public sealed class RunningCommand(string command, Process process, StringBuilder output) : IDisposable
    {
        public string Command { get; } = command;
        public Process Process { get; } = process;

        public string Output
        {
            get
            {
                lock (output) return output.ToString();
            }
        }

        public bool HasExited => Process.HasExited;

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var limit = new CancellationTokenSource(timeout);
            try
            {
                await Process.WaitForExitAsync(limit.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        /// <summary>The processes still alive in this command's session (setsid made its PID the session id).</summary>
        public IReadOnlyList<int> ProcessesLeft() => SessionMembers(Process.Id);

        /// <summary>
        /// SIGTERM to the command's process group (setsid made its PID the group id), what a service manager sends to stop
        /// a job. Not SIGINT: a process started from a background job inherits SIGINT ignored, and a signal ignored on
        /// entry cannot be caught again by bash, so Ctrl-C's signal would prove nothing here. Returns whether every
        /// process of the session ended within <paramref name="grace"/>; past it, each one left is killed by its PID.
        /// </summary>
        public async Task<bool> StopAsync(TimeSpan grace)
        {
            // Also after the command itself ended: what it left running in its group (a build's compiler server) is ours to end.
            if (!Process.HasExited || ProcessesLeft().Count > 0) _ = SendSignal(-Process.Id, SigTerm);
            var deadline = DateTime.UtcNow + grace;
            while (DateTime.UtcNow < deadline && (!Process.HasExited || ProcessesLeft().Count > 0))
                await Task.Delay(200);
            var clean = Process.HasExited && ProcessesLeft().Count == 0;
            if (!clean)
            {
                foreach (var pid in ProcessesLeft()) _ = SendSignal(pid, SigKill);
                OwnProcess.Kill(Process, entireProcessTree: true);
            }
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
            return clean;
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                foreach (var pid in ProcessesLeft()) _ = SendSignal(pid, SigKill);
                OwnProcess.Kill(Process, entireProcessTree: true);
            }
            Process.Dispose();
        }
    }

    /// <summary>The PIDs whose session id (field 6 of /proc/PID/stat) is <paramref name="session"/>.</summary>
    public static IReadOnlyList<int> SessionMembers(int session)
    {
        var members = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] != "Z" && int.Parse(fields[3]) == session) members.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // It ended while being read.
            }
        }
        return members;
    }

    /// <summary>The PIDs of live processes whose command line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<int> ProcessesWhoseCommandLineHas(string program, string text)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                if (arguments.Length > 0 && Path.GetFileName(arguments[0]) == program && arguments.Any(a => a.Contains(text, StringComparison.Ordinal)))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    public static void Kill(int pid) => _ = SendSignal(pid, SigKill);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
