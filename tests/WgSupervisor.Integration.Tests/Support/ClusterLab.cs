using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using WgSupervisor.Lab;
using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// Three (or more) gateways on a LAN, for cluster tests: one network namespace per node with its own address
/// (10.250.S.N/24, S = the lab's subnet, 200 unless told: two labs of different subnets can run side by side), all on
/// a bridge in a "lan" namespace, and the host namespace on the same bridge at 10.250.S.254 so that the test reaches
/// every node's admin API and the nodes reach the tests' PostgreSQL (through a forwarder). Node processes run inside
/// their namespaces and are ended by PID. Disposing removes the namespaces, the links, the forwarder and the
/// certificate directory, also after a failure.
/// </summary>
public sealed class ClusterLab : IAsyncDisposable
{
    private static readonly LabCommands Commands = new(new ProcessRunner());
    private readonly string _runId = "c" + Guid.NewGuid().ToString("N")[..4];
    private readonly List<string> _namespaces = [];
    private readonly List<Process> _processes = [];
    private readonly List<int> _processIds = [];
    private TcpForwarder? _postgres;
    private readonly int _subnet;
    private string? _certificates;
    private bool _disposed;

    private ClusterLab(int subnet) => _subnet = subnet;

    public string LanNamespace => $"wgs-{_runId}-lan";
    public string NodeNamespace(int node) => $"wgs-{_runId}-n{node}";
    public string NodeAddress(int node) => $"10.250.{_subnet}.{node}";
    /// <summary>The host namespace's address on the LAN.</summary>
    public string HostAddress => $"10.250.{_subnet}.254";
    public string HostLink => $"{_runId}h";

    /// <param name="nodes">Node namespaces n1..nN.</param>
    /// <param name="subnet">The third octet of the LAN (10.250.S.0/24): labs that may run at the same time need different ones.</param>
    public static async Task<ClusterLab> CreateAsync(int nodes, int subnet = 200)
    {
        var lab = new ClusterLab(subnet);
        try
        {
            await lab.BuildAsync(nodes);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(int nodes)
    {
        await AddNamespaceAsync(LanNamespace);
        await Run("ip", "-n", LanNamespace, "link", "add", "br0", "type", "bridge");
        await Run("ip", "-n", LanNamespace, "link", "set", "br0", "up");
        for (var node = 1; node <= nodes; node++)
        {
            var ns = NodeNamespace(node);
            await AddNamespaceAsync(ns);
            await Run("ip", "link", "add", $"{_runId}n{node}", "netns", ns, "type", "veth", "peer", "name", $"{_runId}b{node}", "netns", LanNamespace);
            await Run("ip", "-n", ns, "link", "set", $"{_runId}n{node}", "name", "eth0");
            await Run("ip", "-n", ns, "addr", "add", $"{NodeAddress(node)}/24", "dev", "eth0");
            await Run("ip", "-n", ns, "link", "set", "eth0", "up");
            await Run("ip", "-n", LanNamespace, "link", "set", $"{_runId}b{node}", "master", "br0");
            await Run("ip", "-n", LanNamespace, "link", "set", $"{_runId}b{node}", "up");
        }
        await Run("ip", "link", "add", HostLink, "type", "veth", "peer", "name", $"{_runId}bh", "netns", LanNamespace);
        await Run("ip", "addr", "add", $"{HostAddress}/24", "dev", HostLink);
        await Run("ip", "link", "set", HostLink, "up");
        await Run("ip", "-n", LanNamespace, "link", "set", $"{_runId}bh", "master", "br0");
        await Run("ip", "-n", LanNamespace, "link", "set", $"{_runId}bh", "up");
    }

    /// <summary>The tests' PostgreSQL, reachable from the nodes at <see cref="HostAddress"/>:5432; returns their connection string.</summary>
    public string ExposePostgres(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        _postgres = new TcpForwarder(new IPEndPoint(IPAddress.Parse(HostAddress), builder.Port),
            new IPEndPoint(IPAddress.Parse(builder.Host ?? "127.0.0.1"), builder.Port));
        builder.Host = HostAddress;
        return builder.ConnectionString;
    }

    /// <summary>
    /// Certificates made by the real `wgsupervisor certs` command in <see cref="CertificateDirectory"/>(<paramref name="name"/>):
    /// a CA (ca.crt, ca.key; a new one per name) and for each node K of <paramref name="nodes"/> nK.crt and nK.key with the
    /// node's LAN address as SubjectAltName. Returns the directory and what the command printed (file names, never keys).
    /// </summary>
    public async Task<(string Directory, string Output)> IssueCertificatesAsync(string name, IEnumerable<int> nodes)
    {
        var directory = CertificateDirectory(name);
        var arguments = new List<string> { SupervisorProcess.HostAssembly, "certs", "--out", directory };
        arguments.AddRange(nodes.Select(node => $"n{node}={NodeAddress(node)}"));
        var (exit, output) = await OwnProcess.RunAsync("dotnet", arguments, TimeSpan.FromSeconds(60));
        if (exit != 0) throw new InvalidOperationException($"wgsupervisor certs exited with {exit}: {output}");
        return (directory, output);
    }

    /// <summary>A directory for certificates, under one that belongs to this lab (removed on dispose).</summary>
    public string CertificateDirectory(string name) => Path.Combine(_certificates ??= Path.Combine(Path.GetTempPath(), $"wgs-certs-{_runId}"), name);

    /// <summary>Starts the supervisor in node <paramref name="node"/>'s namespace.</summary>
    public Process StartNode(int node, string configPath, Action<string> output)
    {
        var process = OwnProcess.Start(SupervisorProcess.StartInfo(new SupervisorStart(configPath) { NetworkNamespace = NodeNamespace(node) }), output);
        _processes.Add(process);
        _processIds.Add(process.Id);
        return process;
    }

    /// <summary>Cuts node <paramref name="node"/> off from the others (its admin API stays reachable from the host).</summary>
    public async Task PartitionAsync(int node, IEnumerable<int> from)
    {
        var ns = NodeNamespace(node);
        var peers = "{ " + string.Join(", ", from.Select(NodeAddress)) + " }";
        await Run("ip", "netns", "exec", ns, "nft", "add", "table", "inet", "partition");
        await Run("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", "partition", "in", "{ type filter hook input priority 0 ; }");
        await Run("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", "partition", "out", "{ type filter hook output priority 0 ; }");
        await Run("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "partition", "in", "ip", "saddr", peers, "drop");
        await Run("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "partition", "out", "ip", "daddr", peers, "drop");
    }

    public Task HealAsync(int node) => Run("ip", "netns", "exec", NodeNamespace(node), "nft", "delete", "table", "inet", "partition");

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var process in _processes.Where(p => !p.HasExited))
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
            }
        }
        foreach (var process in _processes) process.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
        await TryRun("ip", "link", "delete", HostLink);
        foreach (var ns in Enumerable.Reverse(_namespaces)) await TryRun("ip", "netns", "delete", ns);
        if (_certificates is not null && Directory.Exists(_certificates)) Directory.Delete(_certificates, recursive: true);
    }

    /// <summary>What of this lab is still on the machine.</summary>
    public IReadOnlyList<string> Leftovers()
    {
        var present = Directory.Exists("/var/run/netns") ? Directory.GetFiles("/var/run/netns").Select(Path.GetFileName).ToHashSet() : [];
        var left = _namespaces.Where(present.Contains).Select(ns => $"namespace {ns}").ToList();
        left.AddRange(_processIds.Where(pid => File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("wgsupervisor.dll"))
            .Select(pid => $"process {pid.ToString(CultureInfo.InvariantCulture)}"));
        if (Directory.Exists($"/sys/class/net/{HostLink}")) left.Add($"link {HostLink}");
        if (_certificates is not null && Directory.Exists(_certificates)) left.Add($"directory {_certificates}");
        return left;
    }

    private async Task AddNamespaceAsync(string name)
    {
        await Run("ip", "netns", "add", name);
        _namespaces.Add(name);
        await Run("ip", "-n", name, "link", "set", "lo", "up");
    }

    private static Task Run(string program, params string[] arguments) => Commands.RunAsync(program, arguments);

    private static Task TryRun(string program, params string[] arguments) => Commands.TryAsync(null, program, arguments);
}

/// <summary>The Cluster:Tls section the cluster tests give a node, and a description of the certificates for the test's output.</summary>
public static class ClusterTls
{
    /// <summary>Node nK's certificate and key, and the cluster CA as the one trust anchor.</summary>
    public static object Settings(string directory, int node) => Settings(directory, $"n{node}", Path.Combine(directory, "ca.crt"));

    public static object Settings(string directory, string certificate, string caFile) => new
    {
        CertificateFile = Path.Combine(directory, $"{certificate}.crt"),
        KeyFile = Path.Combine(directory, $"{certificate}.key"),
        CaFile = caFile,
    };

    /// <summary>Who issued what to whom, for how long (subjects, alternative names, validity, thumbprints; never a key).</summary>
    public static string Describe(string directory, IEnumerable<int> nodes)
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(directory, "ca.crt"));
        var lines = new List<string> { $"TLS: certificates from `wgsupervisor certs` in {directory}", $"  CA {Describe(ca)}" };
        foreach (var node in nodes)
        {
            using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(directory, $"n{node}.crt"));
            var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateIPAddresses().Select(a => a.ToString())
                .Concat(e.EnumerateDnsNames()));
            var mode = OperatingSystem.IsWindows() ? "" : $", key file mode {Convert.ToString((int)File.GetUnixFileMode(Path.Combine(directory, $"n{node}.key")), 8)}";
            lines.Add($"  n{node} {Describe(certificate)}, SubjectAltName {string.Join(", ", names)}{mode}");
        }
        return string.Join('\n', lines);
    }

    private static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject} issued by {certificate.Issuer}, {certificate.PublicKey.Oid.FriendlyName}, " +
        $"valid {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd} to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}, SHA-1 {certificate.Thumbprint}";
}
