namespace WgSupervisor.WireGuard.Tests.Support;

/// <summary>Reads the captured command outputs under Fixtures/ (copied next to the test assembly).</summary>
internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string Read(string name) => File.ReadAllText(Path(name));

    public static string[] NonEmptyLines(string name) =>
        Read(name).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
}
