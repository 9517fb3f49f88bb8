using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;

namespace WgSupervisor.WireGuard.Sockets;

/// <summary>
/// Probes through tunnels with sockets made inside each tunnel's namespace: ICMP echo over one raw socket
/// per namespace, or a TCP connect. A connect that is refused still proves that packets crossed the tunnel
/// both ways, so it counts as answered: the probe checks the tunnel, not the service behind it.
/// </summary>
public sealed class SocketProber : IProber, IDisposable
{
    private readonly ConcurrentDictionary<string, IcmpEchoEngine> _engines = new(StringComparer.Ordinal);
    private readonly object _creating = new();

    public async Task<ProbeResult> ProbeAsync(string? networkNamespace, ProbeSettings probe, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(probe.Address, out var address)) return ProbeResult.Failed($"'{probe.Address}' is not an IP address");
        try
        {
            return probe.Kind switch
            {
                ProbeKind.Icmp => await Engine(networkNamespace).EchoAsync(address, probe.Timeout, cancellationToken),
                ProbeKind.Tcp => await ConnectAsync(networkNamespace, new IPEndPoint(address, probe.Port ?? 0), probe.Timeout, cancellationToken),
                _ => ProbeResult.Failed($"unknown probe kind {probe.Kind}"),
            };
        }
        catch (SocketException e)
        {
            return ProbeResult.Failed(e.Message);
        }
    }

    private IcmpEchoEngine Engine(string? networkNamespace)
    {
        var key = networkNamespace ?? "";
        var identity = NamespaceSockets.Identity(networkNamespace)
                       ?? throw new SocketException((int)SocketError.NetworkUnreachable, $"network namespace {networkNamespace} does not exist");
        if (_engines.TryGetValue(key, out var engine) && engine.NamespaceIdentity == identity) return engine;
        lock (_creating)
        {
            if (_engines.TryGetValue(key, out engine) && engine.NamespaceIdentity == identity) return engine;
            engine?.Dispose();
            engine = new IcmpEchoEngine(networkNamespace, identity);
            _engines[key] = engine;
            return engine;
        }
    }

    private static async Task<ProbeResult> ConnectAsync(string? networkNamespace, IPEndPoint target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = NamespaceSockets.InNamespace(networkNamespace, () => new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(target, limit.Token);
            return ProbeResult.Answered(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return ProbeResult.Answered(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Failed($"no TCP answer from {target} within {timeout.TotalMilliseconds:0} ms");
        }
    }

    public void Dispose()
    {
        foreach (var engine in _engines.Values) engine.Dispose();
        _engines.Clear();
    }
}
