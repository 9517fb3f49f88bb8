using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.WireGuard;

/// <summary>Time limits of the external tools: every command has one.</summary>
public sealed record CommandTimeouts(TimeSpan Read, TimeSpan WgQuick, TimeSpan WgSet)
{
    public static readonly CommandTimeouts Default = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
}

/// <summary>
/// WireGuard through its command-line tools (`wg`, `wg-quick`, `ip`), for the kernel module and userspace
/// implementations alike. One `wg show all dump` and one `ip -o link show` per namespace per poll.
/// </summary>
public sealed class CommandWireGuard(IProcessRunner runner, TimeProvider clock, CommandTimeouts? timeouts = null) : IWireGuard
{
    private readonly CommandTimeouts _timeouts = timeouts ?? CommandTimeouts.Default;

    public async Task<NamespaceSnapshot> ReadAsync(string? networkNamespace, CancellationToken cancellationToken)
    {
        var where = networkNamespace is null ? "the host namespace" : $"namespace {networkNamespace}";
        var links = await runner.RunAsync(NetworkNamespace.Ip, NetworkNamespace.IpArguments(networkNamespace, "-o", "link", "show"),
            _timeouts.Read, cancellationToken);
        if (!links.Succeeded) throw new WireGuardUnavailableException($"cannot list interfaces in {where}: {Describe(links)}");

        var (program, arguments) = NetworkNamespace.Wrap(networkNamespace, "wg", "show", "all", "dump");
        var dump = await runner.RunAsync(program, arguments, _timeouts.Read, cancellationToken);
        if (!dump.Succeeded) throw new WireGuardUnavailableException($"cannot read WireGuard state in {where}: {Describe(dump)}");

        try
        {
            var present = IpLinkParser.ParseNames(links.StandardOutput);
            var interfaces = WgDumpParser.Parse(dump.StandardOutput)
                .Where(i => present.Contains(i.Key))
                .ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
            return new NamespaceSnapshot(networkNamespace, clock.GetUtcNow(), interfaces);
        }
        catch (WireGuardParseException e)
        {
            throw new WireGuardUnavailableException($"unreadable WireGuard state in {where}: {e.Message}", e);
        }
    }

    public Task<RepairActionResult> RepairAsync(RepairRung rung, TunnelSettings tunnel, CancellationToken cancellationToken) =>
        rung switch
        {
            RepairRung.RestartInterface => RestartInterfaceAsync(tunnel, cancellationToken),
            _ => Task.FromResult(RepairActionResult.Failed($"rung {rung.ToWireName()} is not available for {tunnel.Name}")),
        };

    private async Task<RepairActionResult> RestartInterfaceAsync(TunnelSettings tunnel, CancellationToken cancellationToken)
    {
        // Down may fail because the interface is already gone (its process died): that is what up repairs.
        var down = await RunAsync(NetworkNamespace.Wrap(tunnel.Namespace, "wg-quick", "down", tunnel.WgQuickConfig), _timeouts.WgQuick, cancellationToken);
        var up = await RunAsync(NetworkNamespace.WrapDetached(tunnel.Namespace, "wg-quick", "up", tunnel.WgQuickConfig), _timeouts.WgQuick, cancellationToken);
        var downNote = down.Succeeded ? "down ok" : $"down failed ({Describe(down)})";
        return up.Succeeded
            ? RepairActionResult.Ok($"wg-quick {downNote}, up ok")
            : RepairActionResult.Failed($"wg-quick {downNote}, up failed ({Describe(up)})");
    }

    private Task<ProcessResult> RunAsync((string Program, IReadOnlyList<string> Arguments) command, TimeSpan timeout,
        CancellationToken cancellationToken) =>
        runner.RunAsync(command.Program, command.Arguments, timeout, cancellationToken);

    /// <summary>A one-line account of a failed command, with anything shaped like a key removed.</summary>
    internal static string Describe(ProcessResult result)
    {
        if (result.TimedOut) return $"timed out after {result.Duration.TotalSeconds:0} s";
        var lastLines = string.Join(" | ", result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("[#]", StringComparison.Ordinal)).TakeLast(3));
        var text = $"exit code {result.ExitCode}" + (lastLines.Length > 0 ? $": {lastLines}" : "");
        return WireGuardKey.Redact(text.Length > 500 ? text[..500] + "…" : text);
    }
}
