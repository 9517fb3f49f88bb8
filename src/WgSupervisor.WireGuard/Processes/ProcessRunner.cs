using System.Diagnostics;
using System.Text;

namespace WgSupervisor.WireGuard.Processes;

/// <summary>What an external command did. Output is as the command printed it: redact before logging.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut, TimeSpan Duration)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;
}

public interface IProcessRunner
{
    /// <summary>Runs a program with an argument list (never a shell string) and a time limit.</summary>
    Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken,
        string? standardInput = null, IReadOnlyDictionary<string, string>? environment = null);
}

/// <summary>
/// Runs external commands with argument lists and time-outs. On time-out or cancellation the whole process
/// tree is killed. Output is read until the process exits plus a short grace: a daemon that a command
/// forks (wireguard-go) must not hold the caller hostage by keeping the pipes open.
/// </summary>
public sealed class ProcessRunner : IProcessRunner
{
    private const int MaxOutputChars = 16 * 1024 * 1024;
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    public async Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout,
        CancellationToken cancellationToken, string? standardInput = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        // wireguard-go keeps our pipes as its log output when LOG_LEVEL is set; without it, it detaches.
        startInfo.Environment.Remove("LOG_LEVEL");
        if (environment is not null)
            foreach (var (key, value) in environment) startInfo.Environment[key] = value;

        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new ProcessResult(127, "", $"cannot start {program}: {e.Message}", false, clock.Elapsed);
        }

        using var readers = new CancellationTokenSource();
        var stdout = ReadAllAsync(process.StandardOutput, readers.Token);
        var stderr = ReadAllAsync(process.StandardError, readers.Token);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        var timedOut = false;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = !cancellationToken.IsCancellationRequested;
                KillTree(process);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        readers.CancelAfter(OutputGrace);
        var output = await stdout;
        var errors = await stderr;
        cancellationToken.ThrowIfCancellationRequested();
        return new ProcessResult(timedOut ? -1 : process.ExitCode, output, errors, timedOut, clock.Elapsed);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static async Task<string> ReadAllAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
                if (text.Length < MaxOutputChars) text.Append(buffer, 0, Math.Min(read, MaxOutputChars - text.Length));
        }
        catch (OperationCanceledException)
        {
            // A forked daemon still holds the pipe: keep what arrived.
        }
        return text.ToString();
    }
}
