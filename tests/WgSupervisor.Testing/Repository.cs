namespace WgSupervisor.Testing;

/// <summary>Where things are in the checkout that the running test or benchmark was built from.</summary>
public static class Repository
{
    /// <summary>The repository's root (where WgSupervisor.sln is), found upwards from this program's bin directory.</summary>
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WgSupervisor.sln"))) directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException($"cannot find WgSupervisor.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>The configuration this program was built in (bin/&lt;Configuration&gt;/net10.0/), so that it runs the host of the same build.</summary>
    public static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";

    /// <summary>src/WgSupervisor.Host/bin/&lt;Configuration&gt;/net10.0/wgsupervisor.dll, of this program's own configuration.</summary>
    public static string HostAssembly
    {
        get
        {
            var configuration = BuildConfiguration;
            var path = Path.Combine(Root, "src", "WgSupervisor.Host", "bin", configuration, "net10.0", "wgsupervisor.dll");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"the host is not built: {path} (dotnet build src/WgSupervisor.Host -c {configuration})");
        }
    }
}
