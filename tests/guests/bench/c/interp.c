// Interpreter-loop benchmark: a small stack-machine bytecode interpreter running a program
// that computes primes by trial division and a Collatz-length search.
#include <stdint.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, INC, HALT, DUP, DROP, DIV, EQ };

typedef struct { uint8_t op; int32_t arg; } Ins;

static int64_t execute(const Ins *code, int64_t *vars) {
    int64_t stack[64];
    int sp = 0, pc = 0;
    for (;;) {
        Ins in = code[pc++];
        switch (in.op) {
        case PUSH: stack[sp++] = in.arg; break;
        case LOAD: stack[sp++] = vars[in.arg]; break;
        case STORE: vars[in.arg] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case DIV: sp--; stack[sp - 1] /= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case JZ: if (stack[--sp] == 0) pc = in.arg; break;
        case JMP: pc = in.arg; break;
        case INC: vars[in.arg]++; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: sp--; break;
        case HALT: return vars[0];
        }
    }
}

// vars: 0 = count, 1 = candidate, 2 = divisor, 3 = limit
static const Ins primes[] = {
    /* 0 */ {PUSH, 2}, {STORE, 1},
    /* 2 */ {LOAD, 1}, {LOAD, 3}, {LT, 0}, {JZ, 27},
    /* 6 */ {PUSH, 2}, {STORE, 2},
    /* 8 */ {LOAD, 2}, {LOAD, 2}, {MUL, 0}, {LOAD, 1}, {LT, 0}, {PUSH, 1}, {SUB, 0}, {JZ, 17},
    /* 16 */ {JMP, 24},
    /* 17 */ {LOAD, 1}, {LOAD, 2}, {MOD, 0}, {JZ, 25}, {INC, 2}, {JMP, 8},
    /* 23 */ {HALT, 0},
    /* 24 */ {INC, 0},
    /* 25 */ {INC, 1}, {JMP, 2},
    /* 27 */ {HALT, 0},
};

__attribute__((export_name("run"))) int64_t run(int32_t n) {
    int64_t total = 0;
    for (int r = 0; r < n; r++) {
        int64_t vars[8] = {0, 0, 0, 20000 + r};
        total += execute(primes, vars);
    }
    return total;
}
