using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace WgSupervisor.Testing;

/// <summary>
/// Starting a process with its output captured line by line, and ending it: always by its own PID, never by name —
/// SIGTERM first so that it shuts down cleanly, SIGKILL when it does not stop in time.
/// </summary>
public static class OwnProcess
{
    private const int SigTerm = 15;
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Starts <paramref name="start"/> with stdout and stderr redirected, each line passed to <paramref name="onLine"/>.</summary>
    public static Process Start(ProcessStartInfo start, Action<string> onLine)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Runs a short program to its end with an argument list (never a shell string) and a time-out; returns its exit code
    /// and its output (stdout, then stderr). One past its time-out is killed by PID and a <see cref="TimeoutException"/> thrown.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout,
        string? standardInput = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null) await process.StandardInput.WriteAsync(standardInput);
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process, entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns once the process has exited and its output is read.</summary>
    public static async Task StopAsync(Process process, TimeSpan? grace = null)
    {
        if (!process.HasExited)
        {
            if (SendSignal(process.Id, SigTerm) != 0 && !process.HasExited)
                Console.Error.WriteLine($"SIGTERM to PID {process.Id} failed (errno {Marshal.GetLastPInvokeError()}); killing it");
            using var limit = new CancellationTokenSource(grace ?? StopGrace);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                Kill(process, entireProcessTree: true);
            }
        }
        // Also drains the redirected output of a process that had already exited.
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(drain.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"warning: PID {process.Id} did not exit after SIGKILL");
        }
    }

    /// <summary>SIGKILL by PID: no shutdown, no flush — what a crash looks like.</summary>
    public static void Kill(Process process, bool entireProcessTree = false)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // It exited between the check and the kill.
        }
    }
}
