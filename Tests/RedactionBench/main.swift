// make bench's redaction row: the byte-level SecretRedactor against the Unicode.Scalar one it
// replaced (RedactionReference), in the same run, on command lines shaped like ATLAS payloads:
// Reco_tf.py and athena.py with dozens of options, and the pilot's `bash -c` that starts them,
// from 1 to 25 KiB. Prints µs per process for both and their ratio; exits 1 if they disagree.
// With `--node FILE` (the output of `bench/nodeshape --shape realistic --cmdlines N`) it also
// times the decoding and redaction of every command line of that node, per process.
//
//   redaction-bench [ROUNDS] [--node FILE]
import Glibc
import ProcFS
import RedactionReference

/// The thread's CPU time: on a shared machine, time spent waiting for a core is not counted.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Input files of a job: the part of a transform's command line that grows with the job.
func inputFiles(_ count: Int, job: Int) -> String {
    (1...max(count, 1)).map { "mc16_13TeV:HITS.\(25_000_000 + job)._\(String(format5($0))).pool.root.1" }.joined(separator: ",")
}

func format5(_ n: Int) -> String {
    let digits = String(n)
    return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
}

func recoTransform(files: Int, job: Int) -> [String] {
    [
        "python", "/cvmfs/atlas.cern.ch/repo/sw/software/21.0/AthenaCommon/scripts/Reco_tf.py",
        "--inputHITSFile=\(inputFiles(files, job: job))",
        "--maxEvents=2000", "--skipEvents=0", "--jobNumber=\(job)", "--digiSeedOffset1=\(job)", "--digiSeedOffset2=\(job + 7)",
        "--outputRDOFile=RDO.\(30_000_000 + job)._000\(job % 1000).pool.root.1",
        "--outputAODFile=AOD.\(30_000_000 + job)._000\(job % 1000).pool.root.1",
        "--inputHighPtMinbiasHitsFile=\(inputFiles(files / 4, job: job + 1))",
        "--inputLowPtMinbiasHitsFile=\(inputFiles(files / 4, job: job + 2))",
        "--numberOfHighPtMinBias=0.2595392", "--numberOfLowPtMinBias=99.2404608", "--pileupFinalBunch=6",
        "--AMITag", "r11748", "--autoConfiguration=everything", "--conditionsTag", "default:OFLCOND-MC16-SDR-RUN2-08",
        "--geometryVersion=default:ATLAS-R2-2016-01-00-01", "--runNumber=284500", "--digiSteeringConf=StandardSignalOnlyTruth",
        "--postExec", "all:CfgMgr.MessageSvc().setError+=[\"HepMcParticleLink\"]",
        "ESDtoAOD:fixedAttrib=[s if \"CONTAINER_SPLITLEVEL = '99'\" not in s else \"\" for s in svcMgr.AthenaPoolCnvSvc.PoolAttributes];svcMgr.AthenaPoolCnvSvc.PoolAttributes=fixedAttrib",
        "--postInclude", "default:PyJobTransforms/UseFrontier.py", "--preExec",
        "all:rec.Commissioning.set_Value_and_Lock(True);from AthenaCommon.BeamFlags import jobproperties;jobproperties.Beam.numberOfCollisions.set_Value_and_Lock(20.0);from LArROD.LArRODFlags import larRODFlags;larRODFlags.NumberOfCollisions.set_Value_and_Lock(20);larRODFlags.nSamples.set_Value_and_Lock(4);larRODFlags.doOFCPileupOptimization.set_Value_and_Lock(True);larRODFlags.firstSample.set_Value_and_Lock(0);larRODFlags.useHighestGainAutoCorr.set_Value_and_Lock(True)",
        "HITtoRDO:from Digitization.DigitizationFlags import digitizationFlags;digitizationFlags.overrideMetadata+=[\"PhysicsList\"];",
        "RAWtoESD:from CaloRec.CaloCellFlags import jobproperties;jobproperties.CaloCellFlags.doLArCellEmMisCalib=False",
        "--preInclude", "HITtoRDO:Digitization/ForceUseOfPileUpTools.py,SimulationJobOptions/preInclude.PileUpBunchTrainsMC16c_2017_Config1.py,RunDependentSimData/configLumi_run310000.py",
        "--steering=doRDO_TRIG", "--triggerConfig=RDOtoRDOTrigger=MCRECO:DBF:TRIGGERDBMC:2233,87,314", "--valid=True",
        "--athenaopts=RDOtoRDOTrigger:--imf --threads=1 --concurrent-events=1",
        "--multithreaded=True", "--athenaMPMergeTargetSize", "AOD:10240", "--outputFileValidation", "False",
    ]
}

func athena(files: Int, job: Int) -> [String] {
    ["/cvmfs/atlas.cern.ch/repo/sw/software/22.0/Athena/22.0.41/InstallArea/x86_64-centos7-gcc8-opt/bin/athena.py",
     "--threads=8", "--concurrent-events=8", "--preloadlib=/cvmfs/atlas.cern.ch/repo/sw/software/22.0/sw/lcg/releases/LCG_98python3_ATLAS_2/jemalloc/5.2.1/x86_64-centos7-gcc8-opt/lib/libjemalloc.so",
     "--drop-and-reload", "--CA", "runargs.RAWtoALL.py", "RecJobTransforms/skeleton.RAWtoALL_tf.py",
     "--filesInput=\(inputFiles(files, job: job))", "--evtMax=2000", "--loglevel=INFO"]
}

func bashWrapper(files: Int, job: Int) -> [String] {
    let transform = recoTransform(files: files, job: job).dropFirst().map { $0.contains(" ") || $0.contains(";") ? "'\($0)'" : $0 }
    return ["/bin/bash", "-c",
            "export ATLAS_LOCAL_ROOT_BASE=/cvmfs/atlas.cern.ch/repo/ATLASLocalRootBase; source ${ATLAS_LOCAL_ROOT_BASE}/user/atlasLocalSetup.sh --quiet; "
            + "export PandaID=\(4_267_387_837 + job); export PanDA_TaskID=\(41_000_000 + job / 50); export FRONTIER_SERVER='(serverurl=http://atlasfrontier-ai.cern.ch:8000/atlr)(proxyurl=http://ca-proxy.cern.ch:3128)'; "
            + "asetup Athena,21.0.77,notest --platform x86_64-slc6-gcc62-opt --makeflags='$MAKEFLAGS'; "
            + transform.joined(separator: " ")]
}

/// One process in three of each kind, the file lists sized so the command lines run from 1 to 25 KiB.
func nodeCommandLines() -> [[String]] {
    var result: [[String]] = []
    for job in 0..<25 {
        let files = 1 + job * 13
        result.append(recoTransform(files: files, job: job))
        result.append(athena(files: 12 + files * 3 / 2, job: job))
        result.append(bashWrapper(files: files, job: job))
    }
    return result
}

func cmdline(_ argv: [String]) -> [UInt8] {
    argv.flatMap { Array($0.utf8) + [0] }
}

func legacyParse(_ bytes: [UInt8]) -> [String] {
    LegacyProcessArguments.parse(bytes, decode: LegacyEscapedText.decode)
}

/// nodeshape --cmdlines: each command line is its length in decimal, a newline, then its bytes.
func readNode(_ path: String) -> [[UInt8]] {
    guard let file = fopen(path, "rb") else {
        print("redaction-bench: cannot open \(path)")
        exit(2)
    }
    defer { fclose(file) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n <= 0 { break }
        data += chunk[0..<n]
    }
    var result: [[UInt8]] = []
    var index = 0
    while index < data.count {
        guard let newline = data[index...].firstIndex(of: UInt8(ascii: "\n")),
              let length = Int(String(decoding: data[index..<newline], as: UTF8.self)), newline + 1 + length <= data.count else {
            print("redaction-bench: \(path): not the output of nodeshape --cmdlines at byte \(index)")
            exit(2)
        }
        result.append(Array(data[(newline + 1)..<(newline + 1 + length)]))
        index = newline + 1 + length
    }
    return result
}

/// Median over rounds of the seconds one pass over every command line takes, divided per process.
func perProcess(_ rounds: Int, _ count: Int, _ body: () -> Int) -> Double {
    var samples: [Double] = []
    var sink = 0
    for _ in 0..<rounds {
        let start = now()
        sink &+= body()
        samples.append((now() - start) / Double(count))
    }
    if sink == -1 { print(sink) }
    return samples.sorted()[samples.count / 2]
}

var options = Array(CommandLine.arguments.dropFirst())
var nodeFile: String?
if let flag = options.firstIndex(of: "--node"), flag + 1 < options.count {
    nodeFile = options[flag + 1]
    options.removeSubrange(flag...(flag + 1))
}
let argvs = nodeCommandLines()
let raws = argvs.map(cmdline)
let sizes = raws.map(\.count).sorted()
for (argv, raw) in zip(argvs, raws) {
    let new = ProcessArguments.parse(raw[...])
    let old = legacyParse(raw)
    guard new.map({ Array($0.utf8) }) == old.map({ Array($0.utf8) }), SecretRedactor.redact(argv) == LegacySecretRedactor.redact(argv) else {
        print("redaction-bench: the byte-level redactor disagrees with the reference on \(argv.prefix(3))...")
        exit(1)
    }
}
let rounds = Int(options.first ?? "") ?? 41
let redactOld = perProcess(rounds, argvs.count) { argvs.reduce(0) { $0 &+ LegacySecretRedactor.redact($1).count } }
let redactNew = perProcess(rounds, argvs.count) { argvs.reduce(0) { $0 &+ SecretRedactor.redact($1).count } }
let parseOld = perProcess(rounds, raws.count) { raws.reduce(0) { $0 &+ legacyParse($1).count } }
let parseNew = perProcess(rounds, raws.count) { raws.reduce(0) { $0 &+ ProcessArguments.parse($1[...]).count } }
let kib = { (bytes: Int) in String(format1(Double(bytes) / 1024)) }
func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
func format1(_ value: Double) -> String { String(Double(Int(value * 10 + 0.5)) / 10) }
func format2(_ value: Double) -> String { String(Double(Int(value * 100 + 0.5)) / 100) }

print("redaction: \(argvs.count) ATLAS transform command lines (Reco_tf.py, athena.py, bash -c), "
      + "\(kib(sizes.first!))-\(kib(sizes.last!)) KiB, median \(kib(sizes[sizes.count / 2])) KiB; median of \(rounds) rounds, thread CPU time")
print("                                       before µs/process   after µs/process   before/after")
for (name, old, new) in [("SecretRedactor.redact (argv)", redactOld, redactNew),
                         ("ProcessArguments.parse (decode + redact)", parseOld, parseNew)] {
    let label = padded(name, 40)
    let before = padded(format2(old * 1e6), 20)
    let after = padded(format2(new * 1e6), 19)
    print("\(label)\(before)\(after)\(format1(old / new))x")
}

if let nodeFile {
    let node = readNode(nodeFile)
    for raw in node where ProcessArguments.parse(raw[...]).map({ Array($0.utf8) }) != legacyParse(raw).map({ Array($0.utf8) }) {
        print("redaction-bench: the byte-level parse disagrees with the reference on \(nodeFile): \(raw.prefix(80))...")
        exit(1)
    }
    let nodeSizes = node.map(\.count).sorted()
    let mean = Double(nodeSizes.reduce(0, +)) / Double(max(node.count, 1))
    let nodeOld = perProcess(max(3, rounds / 4), node.count) { node.reduce(0) { $0 &+ legacyParse($1).count } }
    let nodeNew = perProcess(rounds, node.count) { node.reduce(0) { $0 &+ ProcessArguments.parse($1[...]).count } }
    print("node: \(node.count) command lines of \(nodeFile.split(separator: "/").last ?? "") (every process of the node), "
          + "\(nodeSizes.first!)-\(nodeSizes.last!) bytes, mean \(kib(Int(mean))) KiB")
    print("\(padded("ProcessArguments.parse (decode + redact)", 40))\(padded(format2(nodeOld * 1e6), 20))\(padded(format2(nodeNew * 1e6), 19))\(format1(nodeOld / nodeNew))x")
}
