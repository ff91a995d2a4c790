// nodeshape: starts N real processes shaped like a busy grid worker node and holds them until it
// is told to stop, then kills every one of them by PID and reaps them.
//
//   nodeshape [--shape small|realistic] N HOLDER WORKDIR
//   nodeshape [--shape small|realistic] --cmdlines N    (prints the argv of each process; starts nothing)
//
// Shape, per pilot (39 processes): a `runpilot2-wrapper.sh` bash, a python `pilot.py`, one pilot
// helper, and four jobs, each a payload root leading its own session in its job directory
// `PanDA_Pilot-<id>` with eight payload processes below it. One job in ten runs in a container:
// an "Apptainer runtime parent" in new PID, mount and IPC namespaces whose PID-1 child holds the
// payload. argv and environments vary in length and content like real ones (PanDA identifiers,
// tokens that must be redacted or dropped, long paths). That is the small shape (the default);
// `--shape realistic` keeps the tree and gives payloads what ATLAS payloads carry (see below).
//
// Every process execs HOLDER (which names itself after argv[0], writes one byte to fd 3 and
// waits). nodeshape prints "ready <N>" once all N are running. It stops on SIGTERM, SIGINT or
// SIGHUP, or when its parent dies (PR_SET_PDEATHSIG): it SIGKILLs each PID it started (in a new
// PID namespace, the namespace's init, which takes the namespace with it) and reaps everything.
// No process is ever found or killed by name. Each process also has PR_SET_PDEATHSIG(SIGKILL), so
// the tree falls even if nodeshape itself is SIGKILLed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum kind { WRAPPER, PILOT, HELPER, PAYLOAD_ROOT, CONTAINER_PARENT, CONTAINER_INIT, WORKER };

struct spec {
    int parent, first_child, next_sibling;
    enum kind kind;
    int pilot, job, slot;  // job: global job number, -1 for pilot side
};

static struct spec *plan;
static int planned, wanted;
static const char *holder, *workdir;
static int in_root_pid_namespace = 1;
static int realistic;  // --shape realistic
static sigset_t stop_signals;

static void die(const char *what) { perror(what); _exit(2); }

static int add(int parent, enum kind kind, int pilot, int job, int slot) {
    if (planned >= wanted) return -1;
    int i = planned++;
    plan[i] = (struct spec){parent, -1, -1, kind, pilot, job, slot};
    if (parent >= 0) {  // append, keeping children in plan order
        int *link = &plan[parent].first_child;
        while (*link >= 0) link = &plan[*link].next_sibling;
        *link = i;
    }
    return i;
}

static void make_plan(void) {
    int job = 0;
    for (int pilot = 0; planned < wanted; pilot++) {
        int wrapper = add(-1, WRAPPER, pilot, -1, 0);
        int pilot_process = add(wrapper, PILOT, pilot, -1, 0);
        if (pilot_process < 0) break;
        add(pilot_process, HELPER, pilot, -1, 0);
        for (int j = 0; j < 4; j++, job++) {
            int root;
            int workers = 8;
            if (job % 10 == 0) {
                int parent = add(pilot_process, CONTAINER_PARENT, pilot, job, 0);
                if (parent < 0) return;
                root = add(parent, CONTAINER_INIT, pilot, job, 0);
                workers = 7;
            } else {
                root = add(pilot_process, PAYLOAD_ROOT, pilot, job, 0);
            }
            if (root < 0) return;
            for (int w = 0; w < workers; w++) add(root, WORKER, pilot, job, w);
        }
    }
}

static void path_of(char *out, size_t size, int pilot, int job) {
    if (job < 0) snprintf(out, size, "%s/pilot%d/PanDA_Pilot3_%d_1795676748", workdir, pilot, 4000 + pilot);
    else snprintf(out, size, "%s/pilot%d/PanDA_Pilot3_%d_1795676748/PanDA_Pilot-%lld", workdir, pilot, 4000 + pilot, 9200000000LL + job);
}

static void make_directories(void) {
    char path[512];
    for (int i = 0; i < planned; i++) {
        if (plan[i].kind != WRAPPER && plan[i].kind != PAYLOAD_ROOT && plan[i].kind != CONTAINER_PARENT) continue;
        snprintf(path, sizeof path, "%s/pilot%d", workdir, plan[i].pilot);
        mkdir(path, 0755);
        path_of(path, sizeof path, plan[i].pilot, -1);
        mkdir(path, 0755);
        if (plan[i].job >= 0) { path_of(path, sizeof path, plan[i].pilot, plan[i].job); mkdir(path, 0755); }
    }
}

/// A growing list of strings for argv or envp (the process execs right after, so nothing is freed).
struct list { char *items[400]; int count; };
static void push(struct list *list, const char *format, ...) {
    va_list args;
    va_start(args, format);
    if (list->count < 399 && vasprintf(&list->items[list->count], format, args) >= 0) list->count++;
    va_end(args);
    list->items[list->count] = NULL;
}

/// A string built piece by piece (the realistic shape's long path variables and file lists).
struct text { char *bytes; size_t length, capacity; };
static void append(struct text *text, const char *format, ...) {
    va_list args;
    for (;;) {
        size_t room = text->capacity - text->length;
        va_start(args, format);
        int n = vsnprintf(text->bytes ? text->bytes + text->length : NULL, room, format, args);
        va_end(args);
        if (n < 0) die("vsnprintf");
        if ((size_t)n < room) { text->length += (size_t)n; return; }
        text->capacity = (text->capacity + (size_t)n + 1) * 2;
        text->bytes = realloc(text->bytes, text->capacity);
        if (!text->bytes) die("realloc");
    }
}

static void environment(struct list *env, const struct spec *s, int index) {
    char home[512];
    path_of(home, sizeof home, s->pilot, -1);
    push(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    push(env, "HOME=/home/atlasprd");
    push(env, "USER=atlasprd");
    push(env, "LANG=en_US.UTF-8");
    push(env, "PILOT_HOME=%s", home);
    push(env, "HARVESTER_ID=CERN_central_A");
    push(env, "HARVESTER_WORKER_ID=%d", 700000 + s->pilot);
    push(env, "GTAG=https://aipanda.cern.ch/condor_logs/pilots/%d.out", 700000 + s->pilot);
    push(env, "X509_USER_PROXY=%s/../x509up_u10%03d", home, s->pilot % 1000);
    push(env, "_CONDOR_JOB_AD=/var/lib/condor/execute/dir_%d/.job.ad", 31000 + s->pilot);
    push(env, "HTCondor_Job_ID=ce.bench.example#%d.0#1795676748", 55000 + s->pilot);
    push(env, "PANDA_AUTH_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwaWxvdCIsIm4iOiIlZCJ9.c2lnbmF0dXJl%d", index);
    push(env, "ATLAS_LOCAL_ROOT_BASE=/cvmfs/atlas.cern.ch/repo/ATLASLocalRootBase");
    push(env, "LD_LIBRARY_PATH=/cvmfs/atlas.cern.ch/repo/sw/software/23.0/AthGeneration/23.0.%d/InstallArea/x86_64-centos7-gcc11-opt/lib:"
              "/cvmfs/sft.cern.ch/lcg/releases/LCG_102b_ATLAS_%d/ROOT/6.26.08/x86_64-centos7-gcc11-opt/lib", index % 50, index % 7);
    if (s->job >= 0) {
        push(env, "PandaID=%lld", 9200000000LL + s->job);
        push(env, "PANDAID=%lld", 9200000000LL + s->job);
        push(env, "PanDA_TaskID=%d", 41000000 + s->job / 16);
        push(env, "PanDA_AttemptNr=%d", 1 + s->job % 3);
        push(env, "FRONTIER_ID=[%d_%lld]", 41000000 + s->job / 16, 9200000000LL + s->job);
        if (s->job % 10 == 0) {
            push(env, "APPTAINER_CONTAINER=/cvmfs/unpacked.cern.ch/registry.hub.docker.com/atlas/athena:23.0.%d", s->job % 40);
            push(env, "APPTAINER_NAME=athena_23.0.%d.sif", s->job % 40);
        }
    }
    // Filler: what a batch system, a shell and a release set-up leave behind, 10 to 49 variables.
    for (int i = 0; i < 10 + index % 40; i++)
        push(env, "ATLAS_SETUP_VARIABLE_%02d=/cvmfs/atlas.cern.ch/repo/sw/local/etc/%0*d", i, 4 + (index + i) % 60, i);
}

static void arguments(struct list *argv, const struct spec *s, int index) {
    char home[512], job[512];
    path_of(home, sizeof home, s->pilot, -1);
    path_of(job, sizeof job, s->pilot, s->job < 0 ? 0 : s->job);
    long long panda = 9200000000LL + (s->job < 0 ? 0 : s->job);
    switch (s->kind) {
    case WRAPPER:
        push(argv, "/bin/bash");
        push(argv, "/var/lib/condor/execute/dir_%d/runpilot2-wrapper.sh", 31000 + s->pilot);
        push(argv, "-s"); push(argv, "CERN-PROD"); push(argv, "-r"); push(argv, "CERN-PROD_UCORE");
        push(argv, "-q"); push(argv, "CERN-PROD_UCORE"); push(argv, "-j"); push(argv, "managed");
        push(argv, "--pilot-user"); push(argv, "ATLAS"); push(argv, "--url"); push(argv, "https://pandaserver.cern.ch");
        push(argv, "--harvester-submit-mode"); push(argv, "PULL"); push(argv, "--pilotversion"); push(argv, "3.9.2.%d", s->pilot % 50);
        break;
    case PILOT:
        push(argv, "/usr/bin/python3");
        push(argv, "%s/pilot3/pilot.py", home);
        push(argv, "-q"); push(argv, "CERN-PROD_UCORE"); push(argv, "-r"); push(argv, "CERN-PROD_UCORE");
        push(argv, "-s"); push(argv, "CERN-PROD"); push(argv, "-i"); push(argv, "PR"); push(argv, "-j"); push(argv, "managed");
        push(argv, "--pilot-user=ATLAS"); push(argv, "-w"); push(argv, "generic"); push(argv, "--url");
        push(argv, "https://pandaserver.cern.ch"); push(argv, "-p"); push(argv, "25443");
        push(argv, "--access-token"); push(argv, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwaWxvdCJ9.c2ln%d", s->pilot);
        break;
    case HELPER:
        push(argv, "/bin/sh"); push(argv, "-c");
        push(argv, "ps axo pid,ppid,pgid,args > %s/ps.out 2>&1; lscpu > %s/cpu.out", home, home);
        break;
    case PAYLOAD_ROOT:
    case CONTAINER_INIT:
        if (s->kind == CONTAINER_INIT) { push(argv, "/bin/sh"); push(argv, "/.singularity.d/actions/exec"); }
        push(argv, "/bin/bash"); push(argv, "-c");
        push(argv, "export PandaID=%lld; export PanDA_TaskID=%d; source $ATLAS_LOCAL_ROOT_BASE/user/atlasLocalSetup.sh --quiet; "
                   "runGen-00-00-02 --sourceURL=https://pandaserver.cern.ch:25443 --inputEVNTFile=EVNT.%d._%06d.pool.root.1 "
                   "--maxEvents=%d --jobConfig=%d 2>&1 | tee payload.stdout",
             panda, 41000000 + s->job / 16, 41000000 + s->job / 16, index % 1000, 100 * (1 + index % 20), 500000 + index);
        break;
    case CONTAINER_PARENT:
        push(argv, "Apptainer runtime parent");
        break;
    case WORKER:
        switch (s->slot) {
        case 0:
            push(argv, "/usr/bin/python3"); push(argv, "/cvmfs/atlas.cern.ch/repo/sw/software/23.0/AthGeneration/23.0.%d/bin/runGen.py", s->job % 50);
            push(argv, "--maxEvents=%d", 100 * (1 + index % 20)); push(argv, "--outputEVNTFile=EVNT.%lld.pool.root", panda);
            break;
        case 1:
            push(argv, "athena.py"); push(argv, "--threads=8"); push(argv, "--evtMax=%d", 1000 + index);
            push(argv, "%s/jobOptions.%lld.py", job, panda);
            break;
        case 6: push(argv, "tee"); push(argv, "payload.stdout"); break;
        case 7: push(argv, "/usr/bin/python3"); push(argv, "-m"); push(argv, "pilot.util.memorymonitor"); push(argv, "--pid=%d", index); break;
        default: push(argv, "athena.py"); push(argv, "worker"); push(argv, "%d", s->slot - 1); push(argv, "--shared-queue=%d", index); break;
        }
        break;
    }
}

// ---- The realistic shape (--shape realistic): what ATLAS payloads carry on a real node ----
// Payload processes hold the environment a release set-up leaves (long LD_LIBRARY_PATH,
// PYTHONPATH, ROOT_INCLUDE_PATH, PATH and friends over /cvmfs, Atlas* and ALRB_* variables),
// 1 to 25 KiB per job, and the argument lists of real transforms: Reco_tf.py with pile-up,
// Sim_tf.py, Derivation_tf.py, and user analysis jobs (runAthena with their input list), each
// as the pilot's `bash -c` that starts it, the transform's python, athena.py and its AthenaMP
// workers (which keep the mother's argv), a tee and prmon. Sizes vary with the job.

static unsigned mix(unsigned x) {  // a fixed hash: the same node every run, varied sizes
    x ^= x >> 16; x *= 0x7feb352dU; x ^= x >> 15; x *= 0x846ca68bU; x ^= x >> 16;
    return x;
}

enum transform_kind { RECO, SIM, DERIVATION, USER_ANALYSIS };
static enum transform_kind transform_of(int job) {
    static const enum transform_kind kinds[] = {RECO, RECO, SIM, DERIVATION, USER_ANALYSIS};
    return kinds[mix((unsigned)job * 3 + 1) % 5];
}

/// Comma-separated input files of a job: the part of a command line that grows with the job.
static char *input_files(const char *dataset, const char *type, int count, int job, int quote) {
    struct text list = {0};
    append(&list, "");
    for (int i = 0; i < count; i++)
        append(&list, "%s%s%s:%s.%d._%06d.pool.root.1%s", i ? "," : "", quote ? "'" : "", dataset, type,
               25000000 + job, 1 + (int)(mix((unsigned)(job * 1000 + i)) % 4000), quote ? "'" : "");
    return list.bytes;
}

static int file_count(int job) { return 1 + (int)(mix((unsigned)job * 7 + 3) % 60); }

static void transform_arguments(struct list *argv, const struct spec *s) {
    int job = s->job, files = file_count(job);
    long long panda = 9200000000LL + job;
    int task = 41000000 + job / 16;
    switch (transform_of(job)) {
    case RECO:
        push(argv, "--inputHITSFile=%s", input_files("mc16_13TeV", "HITS", files, job, 0));
        push(argv, "--maxEvents=%d", 500 * (1 + job % 4)); push(argv, "--skipEvents=%d", 2000 * (job % 7));
        push(argv, "--jobNumber=%d", job); push(argv, "--digiSeedOffset1=%d", job % 1000); push(argv, "--digiSeedOffset2=%d", job % 1000 + 7);
        push(argv, "--outputRDOFile=RDO.%d._%06d.pool.root.1", task, job % 100000);
        push(argv, "--outputAODFile=AOD.%d._%06d.pool.root.1", task, job % 100000);
        push(argv, "--inputHighPtMinbiasHitsFile=%s", input_files("mc16_13TeV", "HITS", 1 + files / 4, job + 1, 0));
        push(argv, "--inputLowPtMinbiasHitsFile=%s", input_files("mc16_13TeV", "HITS", 1 + files / 4, job + 2, 0));
        push(argv, "--numberOfHighPtMinBias=0.2595392"); push(argv, "--numberOfLowPtMinBias=99.2404608");
        push(argv, "--pileupFinalBunch=6"); push(argv, "--AMITag"); push(argv, "r%d", 11000 + job % 900);
        push(argv, "--autoConfiguration=everything"); push(argv, "--conditionsTag"); push(argv, "default:OFLCOND-MC16-SDR-RUN2-0%d", 8 + job % 2);
        push(argv, "--geometryVersion=default:ATLAS-R2-2016-01-00-01"); push(argv, "--runNumber=%d", 284500 + job % 3 * 15500);
        push(argv, "--digiSteeringConf=StandardSignalOnlyTruth");
        push(argv, "--postExec"); push(argv, "all:CfgMgr.MessageSvc().setError+=[\"HepMcParticleLink\"]");
        push(argv, "ESDtoAOD:fixedAttrib=[s if \"CONTAINER_SPLITLEVEL = '99'\" not in s else \"\" for s in svcMgr.AthenaPoolCnvSvc.PoolAttributes];"
                   "svcMgr.AthenaPoolCnvSvc.PoolAttributes=fixedAttrib");
        push(argv, "--postInclude"); push(argv, "default:PyJobTransforms/UseFrontier.py");
        push(argv, "--preExec");
        push(argv, "all:rec.Commissioning.set_Value_and_Lock(True);from AthenaCommon.BeamFlags import jobproperties;"
                   "jobproperties.Beam.numberOfCollisions.set_Value_and_Lock(20.0);from LArROD.LArRODFlags import larRODFlags;"
                   "larRODFlags.NumberOfCollisions.set_Value_and_Lock(20);larRODFlags.nSamples.set_Value_and_Lock(4);"
                   "larRODFlags.doOFCPileupOptimization.set_Value_and_Lock(True);larRODFlags.firstSample.set_Value_and_Lock(0);"
                   "larRODFlags.useHighestGainAutoCorr.set_Value_and_Lock(True)");
        push(argv, "HITtoRDO:from Digitization.DigitizationFlags import digitizationFlags;digitizationFlags.overrideMetadata+=[\"PhysicsList\"];");
        push(argv, "--preInclude");
        push(argv, "HITtoRDO:Digitization/ForceUseOfPileUpTools.py,SimulationJobOptions/preInclude.PileUpBunchTrainsMC16c_2017_Config1.py,"
                   "RunDependentSimData/configLumi_run%d.py", 300000 + job % 3 * 10000);
        push(argv, "--steering=doRDO_TRIG"); push(argv, "--triggerConfig=RDOtoRDOTrigger=MCRECO:DBF:TRIGGERDBMC:2233,87,314");
        push(argv, "--valid=True"); push(argv, "--athenaopts=RDOtoRDOTrigger:--imf --threads=1 --concurrent-events=1");
        push(argv, "--multithreaded=True"); push(argv, "--athenaMPMergeTargetSize"); push(argv, "AOD:10240");
        push(argv, "--outputFileValidation"); push(argv, "False");
        break;
    case SIM:
        push(argv, "--inputEVNTFile=%s", input_files("mc16_13TeV", "EVNT", 1 + files / 10, job, 0));
        push(argv, "--outputHITSFile=HITS.%d._%06d.pool.root.1", task, job % 100000);
        push(argv, "--maxEvents=%d", 100 * (1 + job % 10)); push(argv, "--skipEvents=%d", 1000 * (job % 5));
        push(argv, "--firstEvent=%d", 1 + job * 100); push(argv, "--randomSeed=%d", 1000 + job);
        push(argv, "--DBRelease=all:current"); push(argv, "--conditionsTag"); push(argv, "default:OFLCOND-MC16-SDR-14");
        push(argv, "--geometryVersion=default:ATLAS-R2-2016-01-00-01_VALIDATION"); push(argv, "--physicsList=FTFP_BERT_ATL");
        push(argv, "--truthStrategy=MC15aPlus"); push(argv, "--simulator=FullG4"); push(argv, "--DataRunNumber=284500");
        push(argv, "--preInclude");
        push(argv, "EVNTtoHITS:SimulationJobOptions/preInclude.BeamPipeKill.py,SimulationJobOptions/preInclude.FrozenShowersFCalOnly.py,"
                   "SimulationJobOptions/preInclude.ExtraParticles.py,SimulationJobOptions/preInclude.G4ExtraProcesses.py");
        push(argv, "--preExec"); push(argv, "EVNTtoHITS:simFlags.SimBarcodeOffset.set_Value_and_Lock(200000)");
        push(argv, "EVNTtoHITS:simFlags.TRTRangeCut=30.0;simFlags.TightMuonStepping=True");
        push(argv, "--postInclude"); push(argv, "default:RecJobTransforms/UseFrontier.py");
        push(argv, "--AMITag"); push(argv, "s%d", 3100 + job % 200); push(argv, "--multithreaded=True");
        break;
    case DERIVATION:
        push(argv, "--inputAODFile=%s", input_files("mc20_13TeV", "AOD", files, job, 0));
        push(argv, "--outputDAODFile=%d._%06d.pool.root.1", task, job % 100000);
        push(argv, "--formats"); push(argv, "PHYS"); push(argv, "PHYSLITE"); push(argv, "FTAG1"); push(argv, "JETM1"); push(argv, "EGAM1");
        push(argv, "--maxEvents=-1"); push(argv, "--multiprocess=True"); push(argv, "--sharedWriter=True");
        push(argv, "--athenaMPMergeTargetSize"); push(argv, "DAOD_*:0"); push(argv, "--AMITag"); push(argv, "p%d", 5000 + job % 900);
        push(argv, "--preExec"); push(argv, "default:from AthenaCommon.DetFlags import DetFlags;DetFlags.detdescr.all_setOff();"
                                            "DetFlags.detdescr.Calo_setOn();DetFlags.detdescr.ID_setOn()");
        push(argv, "--postExec"); push(argv, "default:ServiceMgr.MessageSvc.defaultLimit=9999999");
        push(argv, "--runNumber=%d", 410470 + job % 200); push(argv, "--CA"); push(argv, "True");
        break;
    case USER_ANALYSIS:
        push(argv, "-l"); push(argv, "panda.%d.%d.lib._%lld.lib.tgz", 1200 + job % 30, 4000 + job, panda);
        push(argv, "--sourceURL"); push(argv, "https://aipanda0%d.cern.ch:25443", 47 + job % 3);
        push(argv, "-r"); push(argv, "./"); push(argv, "-j"); push(argv, ""); push(argv, "--useAthenaPackages");
        push(argv, "--useCMake"); push(argv, "--mergeOutput"); push(argv, "--writeInputToTxt"); push(argv, "IN:input.txt");
        push(argv, "-i"); push(argv, "[%s]", input_files("data18_13TeV", "DAOD_PHYS", files * 3, job, 1));
        push(argv, "-o"); push(argv, "{'IROOT': [('ntuple.root', 'user.analyst%d.%d._%06d.ntuple.root')]}", job % 97, task, job % 100000);
        push(argv, "-p"); push(argv, "jobOptions.py%%20--evtMax%%3D-1%%20--filesInput%%3D%%25IN%%20-c%%20%%22doSyst%%3DTrue%%22");
        push(argv, "--rootVer"); push(argv, "6.24/06"); push(argv, "--cmtConfig"); push(argv, "x86_64-centos7-gcc11-opt");
        push(argv, "--dbrFile=%%DB:LATEST"); push(argv, "--inMap"); push(argv, "{'IN': %s}", "['input.txt']");
        break;
    }
}

static const char *transform_script(int job) {
    switch (transform_of(job)) {
    case RECO: return "Reco_tf.py";
    case SIM: return "Sim_tf.py";
    case DERIVATION: return "Derivation_tf.py";
    default: return "runAthena-00-00-12";
    }
}

/// The pilot's payload command: set-up, exports, then the transform as shell words.
static void payload_command(struct list *argv, const struct spec *s) {
    struct list words = {0};
    transform_arguments(&words, s);
    struct text command = {0};
    append(&command, "export ATLAS_LOCAL_ROOT_BASE=/cvmfs/atlas.cern.ch/repo/ATLASLocalRootBase; "
                     "source ${ATLAS_LOCAL_ROOT_BASE}/user/atlasLocalSetup.sh --quiet; export PandaID=%lld; export PanDA_TaskID=%d; "
                     "export FRONTIER_SERVER='(serverurl=http://atlasfrontier-ai.cern.ch:8000/atlr)(proxyurl=http://ca-proxy.cern.ch:3128)'; "
                     "asetup Athena,22.0.%d,notest --platform x86_64-centos7-gcc11-opt --makeflags='$MAKEFLAGS'; %s",
           9200000000LL + s->job, 41000000 + s->job / 16, 30 + s->job % 20, transform_script(s->job));
    for (int i = 0; i < words.count; i++) {
        const char *word = words.items[i];
        if (word[strcspn(word, " ;\"'()[]{}*$&|<>")] || !*word) {  // single-quoted, ' as '\''
            append(&command, " '");
            for (const char *c = word; *c; c++) append(&command, *c == '\'' ? "'\\''" : "%c", *c);
            append(&command, "'");
        } else {
            append(&command, " %s", word);
        }
    }
    append(&command, " > payload.stdout 2> payload.stderr");
    push(argv, "/bin/bash"); push(argv, "-c"); push(argv, "%s", command.bytes);
}

static void realistic_arguments(struct list *argv, const struct spec *s, int index) {
    char job[512];
    path_of(job, sizeof job, s->pilot, s->job);
    const char *release = "/cvmfs/atlas.cern.ch/repo/sw/software/22.0";
    switch (s->kind) {
    case PAYLOAD_ROOT:
    case CONTAINER_INIT:
        if (s->kind == CONTAINER_INIT) { push(argv, "/bin/sh"); push(argv, "/.singularity.d/actions/exec"); }
        payload_command(argv, s);
        break;
    case WORKER:
        if (s->slot == 0 || (transform_of(s->job) == USER_ANALYSIS && s->slot < 6)) {
            push(argv, "/usr/bin/python3");
            if (transform_of(s->job) == USER_ANALYSIS) push(argv, "./runAthena-00-00-12");
            else push(argv, "%s/Athena/22.0.%d/InstallArea/x86_64-centos7-gcc11-opt/bin/%s", release, 30 + s->job % 20, transform_script(s->job));
            transform_arguments(argv, s);
        } else if (s->slot <= 5) {  // athena.py; slots 2-5 are AthenaMP workers, forked: the same argv
            static const char *steps[] = {"HITtoRDO", "EVNTtoHITS", "AODtoDAOD", "RAWtoALL"};
            const char *step = steps[transform_of(s->job) == RECO ? 0 : transform_of(s->job) == SIM ? 1 : 2];
            push(argv, "%s/Athena/22.0.%d/InstallArea/x86_64-centos7-gcc11-opt/bin/athena.py", release, 30 + s->job % 20);
            push(argv, "--preloadlib=%s/sw/lcg/releases/LCG_102b_ATLAS_%d/jemalloc/5.2.1/x86_64-centos7-gcc11-opt/lib/libjemalloc.so", release, 1 + s->job % 7);
            push(argv, "--drop-and-reload"); push(argv, "--nprocs=%d", 4); push(argv, "--threads=0");
            push(argv, "runargs.%s.py", step);
            push(argv, "%s/skeleton.%s_tf.py", transform_of(s->job) == SIM ? "SimuJobTransforms" : "RecJobTransforms", step);
        } else if (s->slot == 6) {
            push(argv, "tee"); push(argv, "%s/payload.stdout", job);
        } else {
            push(argv, "prmon"); push(argv, "--pid"); push(argv, "%d", 10000 + index); push(argv, "--filename");
            push(argv, "memory_monitor_output.txt"); push(argv, "--json-summary"); push(argv, "memory_monitor_summary.json");
            push(argv, "--interval"); push(argv, "60");
        }
        break;
    default:
        arguments(argv, s, index);
    }
}

/// A path variable grown from /cvmfs components until it is about `size` bytes long.
static void path_variable(struct list *env, const char *name, size_t size, const char *suffix, int job) {
    static const char *packages[] = {
        "ROOT/6.26.08", "Boost/1.78.0", "tbb/2020_U2", "XRootD/5.5.1", "Python/3.9.12", "numpy/1.22.3", "CORAL/3_3_10",
        "COOL/3_3_10", "HepMC3/3.2.5", "fastjet/3.4.0", "Geant4/10.6.p03", "Frontier_Client/2.9.1", "libxml2/2.9.10",
        "sqlite/3320300", "XercesC/3.2.3", "Qt5/5.15.2", "gdb/11.2", "Davix/0.8.1", "jemalloc/5.2.1", "eigen/3.3.7",
        "blas/0.3.20.openblas", "lapack/3.10.1", "CLHEP/2.4.5.1", "HepPDT/2.06.01", "lhapdf/6.5.1", "yampl/1.0",
        "gperftools/2.9.1", "xz/5.2.5", "zlib/1.2.11", "protobuf/3.19.4", "onnxruntime/1.11.1", "pyyaml/5.4.1",
        "scipy/1.8.0", "six/1.16.0", "future/0.18.2", "cx_oracle/8.3.0", "oracle/19.11.0.0.0", "hdf5/1.12.2"};
    struct text value = {0};
    append(&value, "%s=", name);
    append(&value, "/cvmfs/atlas.cern.ch/repo/sw/software/22.0/Athena/22.0.%d/InstallArea/x86_64-centos7-gcc11-opt/%s", 30 + job % 20, suffix);
    for (unsigned i = 0; value.length < size; i++)
        append(&value, ":/cvmfs/atlas.cern.ch/repo/sw/software/22.0/sw/lcg/releases/LCG_102b_ATLAS_%d/%s/x86_64-centos7-gcc11-opt/%s",
               1 + job % 7, packages[(i + (unsigned)job) % (sizeof packages / sizeof *packages)], suffix);
    push(env, "%s", value.bytes);
}

/// The environment after a release set-up: the pilot's variables, the release's, and long paths
/// filling the job's size of 1 to 25 KiB (the payload's root, before asetup, keeps a short one).
static void realistic_environment(struct list *env, const struct spec *s, int index) {
    if (s->job < 0 || s->kind == CONTAINER_PARENT) { environment(env, s, index); return; }
    char home[512], job[512];
    path_of(home, sizeof home, s->pilot, -1);
    path_of(job, sizeof job, s->pilot, s->job);
    size_t target = 1024 + mix((unsigned)s->job * 11 + 5) % (24 * 1024 - 512);
    if (s->kind == PAYLOAD_ROOT || s->kind == CONTAINER_INIT) target = 1024 + target / 8;
    else target += (size_t)s->slot * 40;
    push(env, "HOME=/home/atlasprd"); push(env, "USER=atlasprd"); push(env, "LOGNAME=atlasprd"); push(env, "LANG=en_US.UTF-8");
    push(env, "SHELL=/bin/bash"); push(env, "SHLVL=2"); push(env, "TZ=UTC"); push(env, "PWD=%s", job); push(env, "OLDPWD=%s", home);
    push(env, "PILOT_HOME=%s", home); push(env, "HARVESTER_ID=CERN_central_A"); push(env, "HARVESTER_WORKER_ID=%d", 700000 + s->pilot);
    push(env, "X509_USER_PROXY=%s/../x509up_u10%03d", home, s->pilot % 1000);
    push(env, "X509_CERT_DIR=/cvmfs/grid.cern.ch/etc/grid-security/certificates"); push(env, "X509_VOMS_DIR=/cvmfs/grid.cern.ch/etc/grid-security/vomsdir");
    push(env, "PANDA_AUTH_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwaWxvdCIsIm4iOiIlZCJ9.c2lnbmF0dXJl%d", index);
    push(env, "BEARER_TOKEN_FILE=%s/../bt_u10%03d", home, s->pilot % 1000);
    push(env, "PandaID=%lld", 9200000000LL + s->job); push(env, "PANDAID=%lld", 9200000000LL + s->job);
    push(env, "PanDA_TaskID=%d", 41000000 + s->job / 16); push(env, "PanDA_AttemptNr=%d", 1 + s->job % 3);
    push(env, "FRONTIER_ID=[%d_%lld]", 41000000 + s->job / 16, 9200000000LL + s->job);
    push(env, "FRONTIER_SERVER=(serverurl=http://atlasfrontier-ai.cern.ch:8000/atlr)(serverurl=http://atlasfrontier2-ai.cern.ch:8000/atlr)"
              "(proxyurl=http://ca-proxy.cern.ch:3128)(proxyurl=http://ca-proxy-meyrin.cern.ch:3128)");
    push(env, "ATLAS_LOCAL_ROOT_BASE=/cvmfs/atlas.cern.ch/repo/ATLASLocalRootBase"); push(env, "ALRB_cvmfs_repo=/cvmfs/atlas.cern.ch/repo");
    push(env, "ALRB_OSMAJORVER=7"); push(env, "ALRB_OSTYPE=Linux"); push(env, "ALRB_SHELL=bash"); push(env, "ALRB_noGridMW=NO");
    push(env, "SITE_NAME=CERN-PROD"); push(env, "RUCIO_ACCOUNT=pilot"); push(env, "ATHENA_PROC_NUMBER=8"); push(env, "ATHENA_CORE_NUMBER=8");
    if (s->kind == WORKER) {
        push(env, "AtlasProject=Athena"); push(env, "AtlasVersion=22.0.%d", 30 + s->job % 20); push(env, "AtlasBuildBranch=22.0");
        push(env, "AtlasBuildStamp=2022-0%d-1%dT2101", 1 + s->job % 9, s->job % 10); push(env, "AtlasReleaseType=stable");
        push(env, "AtlasBaseDir=/cvmfs/atlas.cern.ch/repo/sw/software/22.0");
        push(env, "Athena_DIR=/cvmfs/atlas.cern.ch/repo/sw/software/22.0/Athena/22.0.%d/InstallArea/x86_64-centos7-gcc11-opt", 30 + s->job % 20);
        push(env, "LCG_PLATFORM=x86_64-centos7-gcc11-opt"); push(env, "BINARY_TAG=x86_64-centos7-gcc11-opt"); push(env, "CMTCONFIG=x86_64-centos7-gcc11-opt");
        push(env, "ROOTSYS=/cvmfs/atlas.cern.ch/repo/sw/software/22.0/sw/lcg/releases/LCG_102b_ATLAS_%d/ROOT/6.26.08/x86_64-centos7-gcc11-opt", 1 + s->job % 7);
        push(env, "TRF_ECHO=1"); push(env, "DBRELEASE=current"); push(env, "CORAL_DBLOOKUP_PATH=/cvmfs/atlas.cern.ch/repo/sw/database/DBRelease/current/XMLConfig");
    }
    if (s->job % 10 == 0) {
        push(env, "APPTAINER_CONTAINER=/cvmfs/unpacked.cern.ch/registry.hub.docker.com/atlas/athena:22.0.%d", 30 + s->job % 20);
        push(env, "APPTAINER_NAME=athena_22.0.%d.sif", 30 + s->job % 20);
    }
    size_t used = 0;
    for (int i = 0; i < env->count; i++) used += strlen(env->items[i]) + 1;
    size_t rest = target > used + 400 ? target - used : 400;
    path_variable(env, "LD_LIBRARY_PATH", rest * 35 / 100, "lib", s->job);
    path_variable(env, "PYTHONPATH", rest * 20 / 100, "python", s->job);
    path_variable(env, "ROOT_INCLUDE_PATH", rest * 20 / 100, "include", s->job);
    path_variable(env, "PATH", rest * 10 / 100, "bin", s->job);
    path_variable(env, "DATAPATH", rest * 5 / 100, "share", s->job);
    path_variable(env, "JOBOPTSEARCHPATH", rest * 5 / 100, "jobOptions", s->job);
    path_variable(env, "CMAKE_PREFIX_PATH", rest * 5 / 100, "cmake", s->job);
}

/// Forks process `index` (and, from inside it, its children), then execs the holder.
static void create(int index) {
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child > 0) {
        // Only PIDs in our own PID namespace are meaningful to nodeshape: a container's init is
        // reported by its parent (outside), and takes its namespace with it when killed.
        if (in_root_pid_namespace && write(4, &child, sizeof child) != sizeof child) die("write pid");
        return;
    }
    const struct spec *s = &plan[index];
    sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent && getppid() != 0) _exit(1);  // parent died before we could follow it
    if (s->kind == CONTAINER_INIT) in_root_pid_namespace = 0;
    if (s->kind == HELPER || s->kind == PAYLOAD_ROOT || s->kind == CONTAINER_PARENT) setsid();
    if (s->kind == CONTAINER_PARENT && unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC) != 0) die("unshare");
    char directory[512];
    path_of(directory, sizeof directory, s->pilot, s->kind == HELPER ? -1 : s->job);
    if (chdir(directory) != 0) die(directory);
    for (int c = s->first_child; c >= 0; c = plan[c].next_sibling) create(c);
    close(4);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0); dup2(null, 1); dup2(null, 2);
    if (null > 2) close(null);
    struct list argv = {0}, env = {0};
    if (realistic) {
        realistic_arguments(&argv, s, index);
        realistic_environment(&env, s, index);
    } else {
        arguments(&argv, s, index);
        environment(&env, s, index);
    }
    execve(holder, argv.items, env.items);
    _exit(127);
}

static pid_t *started;
static size_t started_count, started_capacity;

static void collect_pids(int fd) {
    pid_t buffer[1024];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof(pid_t); i++) {
            if (started_count == started_capacity) {
                started_capacity = started_capacity ? started_capacity * 2 : 4096;
                started = realloc(started, started_capacity * sizeof *started);
                if (!started) die("realloc");
            }
            started[started_count++] = buffer[i];
        }
    }
}

/// SIGKILLs every PID we started, then reaps until no child is left. Nothing is reaped before
/// every kill is sent, so none of these PIDs can have been reused by then.
static void stop_all(void) {
    for (size_t i = 0; i < started_count; i++) if (started[i] > 1) kill(started[i], SIGKILL);
    while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR) {}
}

/// --cmdlines: the argv of every planned process as /proc/PID/cmdline holds it (each argument
/// NUL-terminated), each preceded by its length in decimal and a newline; nothing is started.
static int print_cmdlines(void) {
    make_plan();
    for (int i = 0; i < planned; i++) {
        struct list argv = {0};
        if (realistic) realistic_arguments(&argv, &plan[i], i);
        else arguments(&argv, &plan[i], i);
        size_t length = 0;
        for (int a = 0; a < argv.count; a++) length += strlen(argv.items[a]) + 1;
        printf("%zu\n", length);
        for (int a = 0; a < argv.count; a++) fwrite(argv.items[a], 1, strlen(argv.items[a]) + 1, stdout);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static int usage(void) {
    fprintf(stderr, "usage: nodeshape [--shape small|realistic] N HOLDER WORKDIR\n"
                    "       nodeshape [--shape small|realistic] --cmdlines N\n");
    return 2;
}

int main(int argc, char **argv) {
    int cmdlines = 0;
    for (; argc > 1 && strncmp(argv[1], "--", 2) == 0; argc--, argv++) {
        if (strcmp(argv[1], "--cmdlines") == 0) cmdlines = 1;
        else if (strcmp(argv[1], "--shape") == 0 && argc > 2) {
            if (strcmp(argv[2], "realistic") == 0) realistic = 1;
            else if (strcmp(argv[2], "small") != 0) return usage();
            argc--, argv++;
        } else return usage();
    }
    if (argc != (cmdlines ? 2 : 4) || atoi(argv[1]) <= 0) return usage();
    wanted = atoi(argv[1]);
    plan = calloc((size_t)wanted, sizeof *plan);
    workdir = "/nodeshape";
    if (cmdlines) return print_cmdlines();
    holder = argv[2];
    workdir = argv[3];
    setpgid(0, 0);  // out of the terminal's foreground group: Ctrl-C reaches the driver, which stops us
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM); sigaddset(&stop_signals, SIGINT); sigaddset(&stop_signals, SIGHUP);
    sigprocmask(SIG_BLOCK, &stop_signals, NULL);
    if (getppid() == 1) return 2;

    make_plan();
    make_directories();

    // Write ends at fd 3 (ready bytes from holders) and fd 4 (PIDs from creators), inherited;
    // read ends high and close-on-exec.
    int ready[2], pids[2];
    if (pipe2(ready, O_CLOEXEC) || pipe2(pids, O_CLOEXEC)) die("pipe");
    int ready_read = fcntl(ready[0], F_DUPFD_CLOEXEC, 10), ready_write = fcntl(ready[1], F_DUPFD_CLOEXEC, 10);
    int pids_read = fcntl(pids[0], F_DUPFD_CLOEXEC, 10), pids_write = fcntl(pids[1], F_DUPFD_CLOEXEC, 10);
    close(ready[0]); close(ready[1]); close(pids[0]); close(pids[1]);
    if (dup2(ready_write, 3) != 3 || dup2(pids_write, 4) != 4) die("dup2");
    close(ready_write); close(pids_write);
    fcntl(pids_read, F_SETFL, O_NONBLOCK);
    int signals = signalfd(-1, &stop_signals, SFD_CLOEXEC);

    pid_t self = getpid();
    for (int i = 0; i < planned && getpid() == self; i++) if (plan[i].parent < 0) create(i);
    close(3); close(4);

    int count = 0, stopping = 0, pids_open = 1;
    while (count < planned && !stopping) {
        struct pollfd fds[3] = {{ready_read, POLLIN, 0}, {pids_read, POLLIN, 0}, {signals, POLLIN, 0}};
        if (poll(fds, 3, -1) < 0) { if (errno == EINTR) continue; die("poll"); }
        if (fds[2].revents) stopping = 1;
        if (fds[1].revents) { collect_pids(pids_read); if (fds[1].revents & POLLHUP && !(fds[1].revents & POLLIN)) pids_open = 0; }
        if (fds[0].revents & POLLIN) {
            char bytes[4096];
            ssize_t n = read(ready_read, bytes, sizeof bytes);
            if (n > 0) count += (int)n;
        } else if (fds[0].revents & POLLHUP) {
            break;  // every holder is gone or never came: some failed
        }
    }
    (void)pids_open;
    fcntl(pids_read, F_SETFL, 0);
    if (!stopping) collect_pids(pids_read);  // all creators have exec'd: read to EOF
    if (!stopping && count == planned) {
        printf("ready %d\n", count);
        fflush(stdout);
        struct signalfd_siginfo info;
        while (read(signals, &info, sizeof info) < 0 && errno == EINTR) {}
    } else if (!stopping) {
        fprintf(stderr, "nodeshape: only %d of %d processes started\n", count, planned);
    }
    stop_all();
    return count == planned ? 0 : 1;
}
