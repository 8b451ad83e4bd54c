using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace CsiDriver.Benchmarks;

/// <summary>
/// What the native executable is made of, from the map the AOT compiler writes when asked
/// (<c>dotnet publish src/CsiDriver -c Release -p:IlcGenerateMapFile=true</c>, then
/// <c>obj/Release/net10.0/linux-x64/native/csi-secrets-store.map.xml</c>): code, type data and the rest, and which
/// of the driver's namespaces the type data is instantiated for. Type data is what the runtime rehydrates into
/// anonymous memory at start-up (<c>.hydrated</c>), so it is resident whether or not its code ever runs; code is
/// only resident where it is touched.
/// </summary>
internal static partial class BinaryComposition
{
    public static int Run(string[] args)
    {
        if (args is not [var map] || !File.Exists(map))
        {
            Console.Error.WriteLine("usage: CsiDriver.Benchmarks binary-composition <csi-secrets-store.map.xml>");
            return 2;
        }

        var byKind = new Dictionary<string, long>(StringComparer.Ordinal);
        var typeDataByFolder = new Dictionary<string, long>(StringComparer.Ordinal);
        var typeDataByDefinition = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(map))
        {
            if (Node().Match(line) is not { Success: true } node)
            {
                continue;
            }

            var kind = node.Groups["kind"].Value;
            var length = long.Parse(node.Groups["length"].Value, CultureInfo.InvariantCulture);
            Add(byKind, Bucket(kind), length);
            if (kind == "ConstructedEEType")
            {
                var name = WebUtility.HtmlDecode(node.Groups["name"].Value);
                var folder = DriverFolder().Match(name);
                Add(typeDataByFolder, folder.Success ? folder.Groups[1].Value.Replace('_', '.') : name.Contains('<') ? "(framework generics)" : "(framework types)", length);
                Add(typeDataByDefinition, MangledPrefix().Replace(name.Split('<')[0], string.Empty), length);
            }
        }

        // Type data appears twice in the map: as its nodes, and packed inside the dehydrated blob the file holds.
        Console.WriteLine($"{Path.GetFileName(map)}, by kind (type data is in the file only in its dehydrated form):");
        Print(null, byKind, 10);
        Print("type data (ConstructedEEType) by the driver namespace its generic arguments name first", typeDataByFolder, 15);
        Print("type data by generic definition or type", typeDataByDefinition, 15);
        return 0;
    }

    private static string Bucket(string kind) => kind switch
    {
        "MethodCode" => "code",
        "GCInfo" or "MethodExceptionHandlingInfo" or "StackTraceMethodMapping" => "code's GC, EH and stack-trace info",
        "ConstructedEEType" or "EEType" or "TypeGenericDictionary" or "MethodGenericDictionary" or "InterfaceDispatchMap" or "SealedVTable" => "type data and generic dictionaries (in memory from start-up)",
        "DehydratedData" => "dehydrated type data (unpacked into .hydrated at start-up)",
        "ArrayOfFrozenObjects" => "frozen objects (string literals, preinitialized statics)",
        "Metadata" or "NativeLayoutInfo" or "GenericTypesHashtable" or "GenericMethodsHashtable" or "ReflectionInvokeMap" => "metadata and lookup tables",
        _ => "other",
    };

    private static void Add(Dictionary<string, long> totals, string key, long length) =>
        totals[key] = totals.GetValueOrDefault(key) + length;

    private static void Print(string? title, Dictionary<string, long> totals, int top)
    {
        if (title is not null)
        {
            Console.WriteLine(title + ":");
        }

        foreach (var (key, length) in totals.OrderByDescending(t => t.Value).Take(top))
        {
            Console.WriteLine($"  {Kib(length),8} KiB  {key}");
        }
    }

    private static string Kib(long bytes) => (bytes / 1024.0).ToString("F0", CultureInfo.InvariantCulture);

    [GeneratedRegex("""<(?<kind>\w+) Name="(?<name>[^"]*)" Length="(?<length>\d+)""")]
    private static partial Regex Node();

    // The first of the driver's types among the generic arguments: csi_secrets_store_CsiDriver_<Folder>_<Sub>_Type.
    [GeneratedRegex("csi_secrets_store_CsiDriver_([A-Z][A-Za-z]+(?:_[A-Z][A-Za-z]+)?)_")]
    private static partial Regex DriverFolder();

    [GeneratedRegex("^(_ZTV\\d+)?(Boxed_)?")]
    private static partial Regex MangledPrefix();
}
