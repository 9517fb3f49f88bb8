using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Lab;

/// <summary>Runs the lab's set-up commands: argument lists, time-outs, and a clear error when one fails.</summary>
public sealed class LabCommands(IProcessRunner runner)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<string> RunAsync(string program, params string[] arguments) =>
        (await RunCheckedAsync(null, program, arguments)).StandardOutput;

    public async Task<string> RunInAsync(string networkNamespace, string program, params string[] arguments) =>
        (await RunCheckedAsync(networkNamespace, program, arguments)).StandardOutput;

    /// <summary>Runs in a new session, so that a daemon it forks (wireguard-go) is not in our process group.</summary>
    public async Task RunDetachedInAsync(string networkNamespace, string program, params string[] arguments)
    {
        var (wrapped, wrappedArguments) = NetworkNamespace.WrapDetached(networkNamespace, program, arguments);
        var result = await runner.RunAsync(wrapped, wrappedArguments, Timeout, CancellationToken.None);
        if (!result.Succeeded)
            throw new LabException($"[{networkNamespace}] {program} {string.Join(' ', arguments)} failed: exit {result.ExitCode}: {result.StandardError.Trim()}");
    }

    /// <summary>Runs and returns the result without judging it (clean-up tolerates failures).</summary>
    public Task<ProcessResult> TryAsync(string? networkNamespace, string program, params string[] arguments)
    {
        var (wrapped, wrappedArguments) = NetworkNamespace.Wrap(networkNamespace, program, arguments);
        return runner.RunAsync(wrapped, wrappedArguments, Timeout, CancellationToken.None);
    }

    public async Task<string> WithInputAsync(string input, string program, params string[] arguments)
    {
        var result = await runner.RunAsync(program, arguments, Timeout, CancellationToken.None, input);
        if (!result.Succeeded) throw new LabException($"{program} {string.Join(' ', arguments)} failed: exit {result.ExitCode}");
        return result.StandardOutput;
    }

    private async Task<ProcessResult> RunCheckedAsync(string? networkNamespace, string program, string[] arguments)
    {
        var result = await TryAsync(networkNamespace, program, arguments);
        if (!result.Succeeded)
            throw new LabException($"{(networkNamespace is null ? "" : $"[{networkNamespace}] ")}{program} {string.Join(' ', arguments)} failed: " +
                                   $"exit {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}: {result.StandardError.Trim()}");
        return result;
    }
}

public sealed class LabException(string message) : Exception(message);
