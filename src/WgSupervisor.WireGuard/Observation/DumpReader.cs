using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.WireGuard.Observation;

/// <summary>
/// Reads a namespace with `wg show all dump` and `ip -o link show` (two processes per poll): serves the kernel
/// module and userspace alike. Userspace sockets are shared by all namespaces, so the dump is intersected
/// with the namespace's own links.
/// </summary>
public sealed class DumpReader(IProcessRunner runner, TimeSpan timeout)
{
    public async Task<IReadOnlyDictionary<string, InterfaceStatus>> ReadAsync(string? networkNamespace, CancellationToken cancellationToken)
    {
        var where = Where(networkNamespace);
        var links = await runner.RunAsync(NetworkNamespace.Ip, NetworkNamespace.IpArguments(networkNamespace, "-o", "link", "show"),
            timeout, cancellationToken);
        if (!links.Succeeded) throw new WireGuardUnavailableException($"cannot list interfaces in {where}: {ProcessReport.Describe(links)}");

        var (program, arguments) = NetworkNamespace.Wrap(networkNamespace, "wg", "show", "all", "dump");
        var dump = await runner.RunAsync(program, arguments, timeout, cancellationToken);
        if (!dump.Succeeded) throw new WireGuardUnavailableException($"cannot read WireGuard state in {where}: {ProcessReport.Describe(dump)}");

        try
        {
            var present = IpLinkParser.ParseNames(links.StandardOutput);
            return WgDumpParser.Parse(dump.StandardOutput)
                .Where(i => present.Contains(i.Key))
                .ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
        }
        catch (WireGuardParseException e)
        {
            throw new WireGuardUnavailableException($"unreadable WireGuard state in {where}: {e.Message}", e);
        }
    }

    public static string Where(string? networkNamespace) => networkNamespace is null ? "the host namespace" : $"namespace {networkNamespace}";
}
