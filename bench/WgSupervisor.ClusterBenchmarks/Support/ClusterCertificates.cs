using System.Security.Cryptography.X509Certificates;
using WgSupervisor.Testing;

namespace WgSupervisor.ClusterBenchmarks.Support;

/// <summary>
/// A cluster CA and one certificate per node (node1..nodeN, SubjectAltName 127.0.0.1), made by the real
/// `wgsupervisor certs` command in a temporary directory of their own, removed on Dispose.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private ClusterCertificates(string directory, string printed)
    {
        Directory = directory;
        Printed = printed;
    }

    public string Directory { get; }

    /// <summary>What the command printed (one line per file written; never a key).</summary>
    public string Printed { get; }

    public static async Task<ClusterCertificates> IssueAsync(int nodes)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"wgs-clusterbench-certs-{Guid.NewGuid():N}");
        var arguments = new List<string> { SupervisorProcess.HostAssembly, "certs", "--out", directory };
        arguments.AddRange(Enumerable.Range(1, nodes).Select(n => $"node{n}=127.0.0.1"));
        try
        {
            var (exit, output) = await OwnProcess.RunAsync("dotnet", arguments, TimeSpan.FromSeconds(60));
            if (exit != 0) throw new InvalidOperationException($"wgsupervisor certs exited with {exit}: {output}");
            return new ClusterCertificates(directory, output.TrimEnd());
        }
        catch
        {
            if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>The Cluster:Tls section of the node at <paramref name="index"/> (0-based): its certificate and key, the CA as trust anchor.</summary>
    public object Settings(int index) => new
    {
        CertificateFile = Path.Combine(Directory, $"node{index + 1}.crt"),
        KeyFile = Path.Combine(Directory, $"node{index + 1}.key"),
        CaFile = Path.Combine(Directory, "ca.crt"),
    };

    /// <summary>One line: the CA and the node certificates' key type and validity.</summary>
    public string Describe()
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Directory, "ca.crt"));
        using var node = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Directory, "node1.crt"));
        return $"TLS certificates from `wgsupervisor certs` in {Directory}: CA {ca.Subject} ({ca.PublicKey.Oid.FriendlyName}), " +
               $"nodes {node.Subject}… ({node.PublicKey.Oid.FriendlyName}, valid to {node.NotAfter.ToUniversalTime():yyyy-MM-dd})";
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
