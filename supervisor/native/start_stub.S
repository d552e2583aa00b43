/* The executable's first instructions, run before Node's own entry point (x86-64, Linux). scripts/start-limits-stub.js
 * assembles this file, links it at the address it gets inside dist/nuwa (node_entry: Node's _start; start_store:
 * STORE_SIZE zero-filled bytes past the data segment) and makes it the ELF entry point.
 *
 * 1. RLIMIT_NOFILE as the kernel handed it over, saved before Node's main() raises the soft limit to the hard one:
 *    the addon gives it back to children (supervisor/native/start.c, start_nofile). The first 17 bytes are the
 *    signature the addon checks, the next 8 the store's address: keep them as they are. A hard limit below
 *    MIN_NOFILE is refused here, with one line and exit 111: Node 24 would die of SIGSEGV before any JavaScript.
 * 2. The descriptors open at exec, 0 to FDS-1 (fewer when the soft RLIMIT_NOFILE is lower: poll refuses more), as a
 *    bit mask. Node marks every descriptor it inherited close-on-exec at start-up, and its own (epoll, eventfds, a
 *    self-pipe) look like what a parent may pass (piperw's two ends): only this tells them apart. An in-process
 *    execline chain passes on exactly these (supervisor/src/execline/fds.ts, and supervisor/native/fds.c before a
 *    plain exec). One poll with no events and no timeout answers POLLNVAL for each closed descriptor: ~2 µs here,
 *    where 64 fcntl(F_GETFD) took ~150 µs (2 µs a syscall in a VM). When poll fails (a seccomp filter), no note.
 * 3. Room for Node's threads. Node cannot survive a failed thread creation at start-up: its platform waits for ever
 *    for worker threads that were never created (a futex wait that ignores SIGTERM), or asserts, and libuv aborts when
 *    its pool cannot start; the first two before any JavaScript. So when the process limit is low (soft RLIMIT_NPROC
 *    below 4096), or this process is likely a container's (PID 1, or the child of a process outside its PID
 *    namespace: a pids limit, which no rlimit shows), this code first makes sure THREADS more tasks can exist at once:
 *    a chain of vfork-like children, each the parent of the next, the deepest exiting at once; each waits for and
 *    reaps its own child, so every task is counted off before Node starts (threads would not do: the kernel wakes a
 *    thread's joiner before it counts the thread off). A clone that fails with EAGAIN means the limit: one line on
 *    stderr, exit 111 (s6's code for a temporary failure). Anything else (a seccomp filter refusing clone...) says
 *    nothing of the limit.
 *
 * Only rdx (ld.so's finaliser for _start) and rsp (argc, argv...) carry meaning at the entry point: both are restored
 * before the jump. The children share this stack (CLONE_VM) but touch no memory except the failure flag. */

#define MIN_NOFILE 21    /* Node 24 crashes at start-up with a hard RLIMIT_NOFILE of 20 or less (measured) */
#define THREADS 10       /* Node 24: DelayedTaskScheduler, SignalInspector, 4 V8Worker, 4 libuv-worker */
#define LOW_NPROC 4096   /* below this soft RLIMIT_NPROC, check whatever the process */
#define SYS_write 1
#define SYS_writev 20
#define SYS_poll 7
#define POLLNVAL 0x20
#define FDS 64           /* descriptors 0..63 are checked: one bit each */
#define SYS_clone 56
#define SYS_exit 60
#define SYS_wait4 61
#define SYS_getppid 110
#define SYS_exit_group 231
#define SYS_prlimit64 302
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define STR_(x) #x
#define STR(x) STR_(x)
#define WALL 0x40000000  /* __WALL: the children send no exit signal */
#define EAGAIN 11

/* the store (start.c reads it): RLIMIT_NOFILE soft and hard, then the mask of descriptors open at exec and how many
 * were checked (FDS; 0 when the stub did not run, the zero-filled page as the kernel left it) */
#define STORE_FD_MASK 16
#define STORE_FDS_CHECKED 24
#define STORE_SIZE 32
#define POLLFDS (FDS * 8)  /* struct pollfd[FDS]: int fd; short events, revents */

/* the frame below the saved rdx */
#define NPROC 0          /* struct rlimit: soft, hard */
#define FAILED 16        /* set to 1 by the child whose clone got EAGAIN */
#define IOV 24           /* struct iovec[3] for the message */
#define DIGITS_END 96    /* the limit's digits are written backwards from here */
#define FRAME 96

	.text
	.globl _start
_start:
	push %rdx
	mov $SYS_prlimit64, %eax          /* prlimit64(0, RLIMIT_NOFILE, NULL, start_store) */
	xor %edi, %edi
	mov $RLIMIT_NOFILE, %esi
	xor %edx, %edx
	movabs $start_store, %r10
	syscall
	test %rax, %rax                   /* prlimit64 failed: nothing is known, nothing refused */
	jnz nofile_checked
	movabs $start_store, %rax
	cmpq $MIN_NOFILE, 8(%rax)         /* the hard limit, which Node raises the soft one to: below it, Node 24 dies */
	jb too_few_fds                    /* of SIGSEGV before any JavaScript (ulimit -n 20: exit 139, no word why) */
nofile_checked:

	movabs $start_store, %rax         /* r12: how many descriptors to check, min(FDS, soft RLIMIT_NOFILE) */
	mov (%rax), %r12
	mov $FDS, %ecx
	cmp %rcx, %r12
	cmova %rcx, %r12
	sub $POLLFDS, %rsp
	xor %ecx, %ecx
fill_fd:
	mov %rcx, (%rsp,%rcx,8)           /* fd = i; events = revents = 0 (the upper half of i < 64) */
	inc %ecx
	cmp $FDS, %ecx
	jb fill_fd
	mov $SYS_poll, %eax               /* poll(fds, r12, 0) */
	mov %rsp, %rdi
	mov %r12, %rsi
	xor %edx, %edx
	syscall
	test %rax, %rax
	js fds_noted
	xor %ecx, %ecx
	xor %r13d, %r13d                  /* the mask */
	jmp fd_bits_test
fd_bit:
	testw $POLLNVAL, 6(%rsp,%rcx,8)
	jnz fd_closed
	bts %rcx, %r13
fd_closed:
	inc %ecx
fd_bits_test:
	cmp %r12d, %ecx
	jb fd_bit
	movabs $start_store, %rax
	mov %r13, STORE_FD_MASK(%rax)
	mov %r12, STORE_FDS_CHECKED(%rax)
fds_noted:
	add $POLLFDS, %rsp

	sub $FRAME, %rsp
	movq $-1, NPROC(%rsp)             /* unlimited, unless prlimit64 says otherwise */
	mov $SYS_prlimit64, %eax          /* prlimit64(0, RLIMIT_NPROC, NULL, frame) */
	xor %edi, %edi
	mov $RLIMIT_NPROC, %esi
	xor %edx, %edx
	mov %rsp, %r10
	syscall
	cmpq $LOW_NPROC, NPROC(%rsp)
	jb probe
	mov $SYS_getppid, %eax            /* 0: PID 1 (of any namespace), or a parent outside the PID namespace (podman */
	syscall                           /* exec). Not 1: each service and script nuwa init starts would pay the check */
	test %eax, %eax
	jnz node

probe:
	movq $0, FAILED(%rsp)
	xor %r12d, %r12d                  /* depth in the chain: 0 is this process */
next:
	mov $SYS_clone, %eax              /* clone(CLONE_VM | CLONE_VFORK, same stack): runs the child, waits for its exit */
	mov $(CLONE_VM | CLONE_VFORK), %edi
	xor %esi, %esi
	xor %edx, %edx
	xor %r10d, %r10d
	xor %r8d, %r8d
	syscall
	test %rax, %rax
	jz child
	js failed
	mov %eax, %edi                    /* wait4(child, NULL, __WALL, NULL): counted off only once reaped */
	mov $SYS_wait4, %eax
	xor %esi, %esi
	mov $WALL, %edx
	xor %r10d, %r10d
	syscall
	jmp unwind
failed:
	cmp $-EAGAIN, %rax                /* any other error (a seccomp filter...) says nothing of the limit */
	jne unwind
	movb $1, FAILED(%rsp)
unwind:
	test %r12d, %r12d
	jz verdict
end_child:
	mov $SYS_exit, %eax
	xor %edi, %edi
	syscall
child:
	inc %r12d
	cmp $THREADS, %r12d
	jb next
	jmp end_child

verdict:
	cmpb $0, FAILED(%rsp)
	jne refuse
node:
	add $FRAME, %rsp
	pop %rdx
	jmp node_entry

/* "nuwa: cannot create threads: process limit N reached (...)", N only when it is the low soft RLIMIT_NPROC */
refuse:
	lea DIGITS_END(%rsp), %rsi
	mov %rsi, %rcx
	mov NPROC(%rsp), %rax
	cmp $LOW_NPROC, %rax
	jae message
	dec %rsi
	movb $' ', (%rsi)
	mov $10, %r8d
digit:
	xor %edx, %edx
	div %r8
	add $'0', %dl
	dec %rsi
	mov %dl, (%rsi)
	test %rax, %rax
	jnz digit
message:
	lea prefix(%rip), %rax
	mov %rax, IOV(%rsp)
	movq $(prefix_end - prefix), IOV+8(%rsp)
	mov %rsi, IOV+16(%rsp)
	sub %rsi, %rcx
	mov %rcx, IOV+24(%rsp)
	lea suffix(%rip), %rax
	mov %rax, IOV+32(%rsp)
	movq $(suffix_end - suffix), IOV+40(%rsp)
	mov $SYS_writev, %eax             /* writev(2, iov, 3): one line, one write */
	mov $2, %edi
	lea IOV(%rsp), %rsi
	mov $3, %edx
	syscall
	mov $SYS_exit_group, %eax
	mov $111, %edi
	syscall

prefix:
	.ascii "nuwa: cannot create threads: process limit "
prefix_end:
suffix:
	.ascii "reached (ulimit -u, or the container's pids limit): Node needs room for ", STR(THREADS), " threads\n"
suffix_end:

/* "nuwa: cannot start: ...": one line and exit 111 where Node would die of SIGSEGV */
too_few_fds:
	mov $SYS_write, %eax
	mov $2, %edi
	lea nofile_message(%rip), %rsi
	mov $(nofile_message_end - nofile_message), %edx
	syscall
	mov $SYS_exit_group, %eax
	mov $111, %edi
	syscall

nofile_message:
	.ascii "nuwa: cannot start: the open-files limit (ulimit -n, podman run --ulimit nofile=N) is below ", STR(MIN_NOFILE), ", the least Node needs to start\n"
nofile_message_end:
