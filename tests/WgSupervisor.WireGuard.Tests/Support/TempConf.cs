namespace WgSupervisor.WireGuard.Tests.Support;

/// <summary>A wg-quick conf written to a directory of its own, deleted with the directory when the test ends.</summary>
internal sealed class TempConf : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wgsup-conf-").FullName;

    public TempConf(string text, string name = "wg0.conf")
    {
        Path = System.IO.Path.Combine(_directory, name);
        File.WriteAllText(Path, text);
    }

    public string Path { get; }

    /// <summary>Where a conf would be if it existed.</summary>
    public string Missing => System.IO.Path.Combine(_directory, "absent.conf");

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
